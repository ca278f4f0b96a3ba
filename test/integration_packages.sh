#!/usr/bin/env bash
# Integration tests of test/packages.sh, the install path of `make test` and
# `make demo`: its functions run in clean environments (env -i) under
# `set -euo pipefail`, against packages that are certainly installed (bash,
# coreutils), one that certainly is not ($MISSING) and, through a fake
# dpkg-query, states this machine does not have (removed with its
# configuration files kept, multiarch, a server older than its headers).
# apt-get is always a fake first on PATH (it logs its calls): nothing is ever
# installed. The non-root cases run as the user postgres when this runs as
# root. Needs no cluster: run alone it makes a directory of its own.
#   IVORY_PACKAGES_SH  the packages.sh to test (default test/packages.sh)
# Ends with "integration: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OWN_DIR=
if [ -z "${IVORY_TEST_DIR:-}" ]; then
    IVORY_TEST_DIR=$(mktemp -d /tmp/ivory-packages.XXXXXX)
    OWN_DIR=$IVORY_TEST_DIR
    chmod 755 "$IVORY_TEST_DIR"
    export IVORY_TEST_DIR
fi
source test/lib_integration.sh
trap '[ -z "$OWN_DIR" ] || rm -rf "$OWN_DIR"' EXIT

MISSING=ivory-no-such-package-xyz
NON_ROOT_USER=postgres
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORK=$(mktemp -d "$TMPDIR/packages.XXXXXX")
chmod 755 "$WORK"
cp "${IVORY_PACKAGES_SH:-$ROOT/test/packages.sh}" "$WORK/packages.sh"
chmod 644 "$WORK/packages.sh"
FAKE=$WORK/bin
mkdir "$FAKE"
APT_LOG=$WORK/apt-get.log
: >"$APT_LOG"
chmod 666 "$APT_LOG"

# apt-get: logs its arguments; FAKE_APT=fail answers as without a network,
# FAKE_APT=noop succeeds without installing anything.
cat >"$FAKE/apt-get" <<'SH'
#!/bin/sh
echo "apt-get $*" >>"$FAKE_APT_LOG"
if [ "${FAKE_APT:-fail}" = noop ]; then exit 0; fi
echo "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'" >&2
exit 100
SH
# dpkg-query -W -f=FORMAT PACKAGE: with FAKE_DPKG_DB set, the lines
# "package<TAB>status<TAB>version" of that file (one a line, the format of
# packages.sh); otherwise the real one.
cat >"$FAKE/dpkg-query" <<'SH'
#!/bin/sh
[ -n "${FAKE_DPKG_DB:-}" ] || exec /usr/bin/dpkg-query "$@"
for package; do :; done
found=$(awk -F '\t' -v p="$package" '$1 == p { print $2 "|" $3 }' "$FAKE_DPKG_DB")
if [ -z "$found" ]; then
    echo "dpkg-query: no packages found matching $package" >&2
    exit 1
fi
printf '%s\n' "$found"
SH
# make: the callers must stop before building.
cat >"$FAKE/make" <<'SH'
#!/bin/sh
echo "reached make $*"
exit 97
SH
chmod 755 "$FAKE"/*
DB=$WORK/dpkg.db
printf '%s\t%s\t%s\n' \
    bash "install ok installed" 5.2 \
    ivory-rc-package "deinstall ok config-files" 1.0 \
    ivory-half-package "install reinstreq half-installed" 1.0 \
    ivory-multiarch "install ok installed" 2.0 \
    ivory-multiarch "install ok installed" 2.0 \
    postgresql-15 "install ok installed" 15.1-0+deb12u1 \
    postgresql-server-dev-15 "install ok installed" 15.2-0+deb12u1 >"$DB"
chmod 644 "$DB"

IS_ROOT=no
[ "$(id -u)" = 0 ] && IS_ROOT=yes

# Runs `command...` in a clean environment; sets OUT, ERR and STATUS (run of
# lib_integration.sh) and APT_CALLS. Taken from the caller's variables of these
# names: AS=non-root (as $NON_ROOT_USER when root), FAKE_DPKG_DB, FAKE_APT.
clean_run() { # command...
    local as=()
    if [ "${AS:-}" = non-root ] && [ "$IS_ROOT" = yes ]; then as=(runuser -u "$NON_ROOT_USER" --); fi
    : >"$APT_LOG"
    run timeout 60 "${as[@]}" env -i PATH="$FAKE:$CLEAN_PATH" HOME="$WORK" LANG=C.UTF-8 \
        FAKE_APT_LOG="$APT_LOG" FAKE_APT="${FAKE_APT:-fail}" FAKE_DPKG_DB="${FAKE_DPKG_DB:-}" "$@"
    APT_CALLS=$(cat "$APT_LOG")
}
clean_bash() { clean_run bash -c "cd '$WORK'; $1 $2"; } # prelude script
STRICT="set -euo pipefail; source '$WORK/packages.sh';"
strict() { clean_bash "$STRICT" "$1"; } # script

expect_out() { # exact-stdout name
    if [ "$OUT" = "$1" ] && [ "$STATUS" -eq 0 ]; then
        pass "$2"
    else
        fail "$2: exit $STATUS, stdout '$OUT', expected '$1'" "$ERR"
    fi
}
expect_out_ends() { # exact-last-lines-of-stdout name
    local lines
    lines=$(printf '%s\n' "$1" | wc -l)
    if [ "$(printf '%s\n' "$OUT" | tail -n "$lines")" = "$1" ] && [ "$STATUS" -eq 0 ]; then
        pass "$2"
    else
        fail "$2: exit $STATUS, stdout '$OUT', expected it to end with '$1'" "$ERR"
    fi
}
expect_no_apt_get() { # name
    if [ -z "$APT_CALLS" ]; then pass "$1: apt-get not called"; else fail "$1: apt-get called" "$APT_CALLS"; fi
}

# --- installed_version / missing_packages, real dpkg-query --------------------------
real_bash=$(dpkg-query -W -f='${Version}' bash 2>/dev/null)
strict 'echo "[$(installed_version bash)]"; echo after'
expect_out "[$real_bash]
after" "set -e: installed_version of an installed package is its version"
strict "echo \"[\$(installed_version $MISSING)]\"; echo after"
expect_out "[]
after" "set -e: installed_version of a package that is not installed is empty, no abort"
strict "missing_packages bash $MISSING coreutils; echo after"
expect_out "$MISSING
after" "set -e: missing_packages names only the package that is not installed"
strict 'missing_packages bash coreutils; echo after'
expect_out "after" "set -e: missing_packages of installed packages prints nothing"
# Called as commands, not in $(...) (where bash does not keep set -e).
strict "installed_version bash; installed_version $MISSING; missing_packages $MISSING; echo after"
expect_out "$real_bash
$MISSING
after" "set -e: installed_version and missing_packages called as commands do not abort"

# --- states this machine does not have, through a fake dpkg-query -------------------
FAKE_DPKG_DB=$DB
strict 'echo "[$(installed_version ivory-rc-package)]"; missing_packages ivory-rc-package; echo after'
expect_out "[]
ivory-rc-package
after" "set -e: a package removed with its configuration files kept counts as missing"
strict 'missing_packages ivory-half-package bash; echo after'
expect_out "ivory-half-package
after" "set -e: a half-installed package counts as missing"
strict 'echo "[$(installed_version ivory-multiarch)]"'
expect_out "[2.0]" "installed_version of a package of two architectures is one version"
AS=non-root strict 'PACKAGES=(postgresql-15 postgresql-server-dev-15); install_missing_packages || echo "failed $?"'
expect_in "failed 1" "$OUT" "a server older than its headers: install_missing_packages returns 1 (not root)"
expect_in "missing packages: postgresql-15" "$ERR" "a server older than its headers: stderr names postgresql-15"
AS=non-root strict 'PACKAGES=(bash); install_missing_packages; echo "status $?"'
expect_out "status 0" "the server's release is compared only when the list asks for the server"
unset FAKE_DPKG_DB

# --- install_missing_packages, nothing missing ----------------------------------------
strict 'PACKAGES=(bash coreutils); install_missing_packages; echo "status $?"'
if [ "$OUT" = "status 0" ] && [ -z "$ERR" ] && [ "$STATUS" -eq 0 ]; then
    pass "set -e: nothing missing: install_missing_packages returns 0 silently"
else
    fail "nothing missing: exit $STATUS, stdout '$OUT'" "$ERR"
fi
expect_no_apt_get "nothing missing"

# --- not root, a package missing ------------------------------------------------------
AS=non-root strict "PACKAGES=($MISSING); install_missing_packages || echo \"failed \$?\"; echo after"
expect_out "failed 1
after" "not root: install_missing_packages returns 1, the script after the guard runs"
expect_in "missing packages: $MISSING" "$ERR" "not root: stderr names the missing package"
expect_in "apt-get install $MISSING" "$ERR" "not root: stderr tells how to install it"
expect_no_apt_get "not root"
AS=non-root strict "PACKAGES=(bash); install_missing_packages coreutils $MISSING || echo \"failed \$?\""
expect_out "failed 1" "not root: an extra package missing: returns 1"
expect_in "missing packages: $MISSING" "$ERR" "not root: stderr names the missing extra package"

# --- root, apt-get cannot reach the archive ---------------------------------------------
if [ "$IS_ROOT" = yes ]; then
    strict "PACKAGES=(bash $MISSING); install_missing_packages || echo \"failed \$?\"; echo after"
    expect_out_ends "failed 1
after" "root, no network: install_missing_packages returns 1, the script after the guard runs"
    expect_in "missing packages: $MISSING" "$ERR" "root, no network: stderr names the missing package"
    expect_in "Temporary failure resolving" "$ERR" "root, no network: stderr shows apt-get's error"
    expect_in "apt-get update" "$APT_CALLS" "root, no network: apt-get update was tried"
    FAKE_APT=noop strict "PACKAGES=($MISSING); install_missing_packages || echo \"failed \$?\""
    expect_out_ends "failed 1" "root, apt-get succeeds without installing: returns 1"
    expect_in "apt-get install -y -qq $MISSING" "$APT_CALLS" "root: apt-get is asked to install the missing package"
    expect_in "missing packages: $MISSING (apt-get ran but did not install them)" "$ERR" \
        "root, apt-get succeeds without installing: stderr names the package"
else
    pass "root, no network: skipped (not root) # skip"
fi

# --- the callers' ways -----------------------------------------------------------------
# demo/run.sh: a bare call under set -e; test/run_tests.sh: `|| exit 1`. Then
# the two scripts themselves, with a dpkg-query that knows no package: they
# must stop at the install with the names, before building (make is a fake).
# (Copies, beside the packages.sh under test: they cd to their parent directory.)
mkdir -p "$WORK/root/demo" "$WORK/root/test"
cp "$ROOT/demo/run.sh" "$WORK/root/demo/run.sh"
cp "$ROOT/test/run_tests.sh" "$WORK/root/test/run_tests.sh"
cp "$WORK/packages.sh" "$WORK/root/test/packages.sh"
chmod -R a+rX "$WORK/root"
ALL_MISSING_DB=$WORK/empty.db
: >"$ALL_MISSING_DB"
chmod 644 "$ALL_MISSING_DB"
ways=(non-root)
[ "$IS_ROOT" = yes ] && ways+=(root)
for as in "${ways[@]}"; do
    AS=$as clean_bash "set -e; source '$WORK/packages.sh';" \
        "PACKAGES=($MISSING); install_missing_packages; echo after"
    if [ "$STATUS" -eq 1 ] && [[ "$OUT" != *after* ]]; then
        pass "$as, under set -e as demo/run.sh: exits 1 at the install"
    else
        fail "$as, under set -e as demo/run.sh: exit $STATUS, stdout '$OUT', expected 1" "$ERR"
    fi
    expect_in "missing packages: $MISSING" "$ERR" "$as, under set -e as demo/run.sh: the message names the package"
    AS=$as clean_bash "set -uo pipefail; source '$WORK/packages.sh';" \
        "PACKAGES=($MISSING); install_missing_packages || exit 1; echo after"
    if [ "$STATUS" -eq 1 ] && [[ "$OUT" != *after* ]]; then
        pass "$as, as test/run_tests.sh: exits 1 at the install"
    else
        fail "$as, as test/run_tests.sh: exit $STATUS, stdout '$OUT', expected 1" "$ERR"
    fi
    expect_in "missing packages: $MISSING" "$ERR" "$as, as test/run_tests.sh: the message names the package"
    for script in demo/run.sh test/run_tests.sh; do
        AS=$as FAKE_DPKG_DB=$ALL_MISSING_DB clean_run "$WORK/root/$script"
        if [ "$STATUS" -eq 1 ] && [[ "$OUT" != *"reached make"* ]]; then
            pass "$as, nothing installed: $script exits 1 at the install, before building"
        else
            fail "$as, nothing installed: $script: exit $STATUS, expected 1 before reaching make" "$OUT
$ERR"
        fi
        expect_in "missing packages: g++ make postgresql-15" "$ERR" \
            "$as, nothing installed: $script names the missing packages"
    done
done

integration_summary
