#!/usr/bin/env bash
# `make test-package`: builds the Debian packages postgresql-15-ivory and ivory
# from the tracked files (dpkg-buildpackage -us -uc -b), installs them with
# apt, and runs the installed `ivory check` against the installed extension on
# throwaway clusters. Removes the packages again at the end (they share their
# paths with `make install`: run it again afterwards for a source install).
# As root on Debian 12; ends with "N passed, M failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/test/packages.sh"
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() {
    FAILED=$((FAILED + 1))
    echo "not ok - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -30 | sed 's/^/    /'
}
expect() { # name command...: passes when the command succeeds
    local name=$1
    shift
    if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi
}

if [ "$(id -u)" != 0 ]; then
    echo "make test-package installs packages: run it as root" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
install_missing_packages debhelper dpkg-dev fakeroot postgresql-server-dev-all || {
    echo "0 passed, 1 failed"
    exit 1
}

WORK=$(mktemp -d /tmp/ivory-package.XXXXXX)
chmod 755 "$WORK"
export IVORY_TEST_DIR="$WORK/clusters"
source "$ROOT/test/cluster.sh"
installed_packages=()
cleanup() {
    clusters_teardown 2>/dev/null
    if [ ${#installed_packages[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${installed_packages[@]}" >/dev/null 2>&1
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

VERSION=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$ROOT/ivory.control")
PACKAGE_VERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
if [ "$PACKAGE_VERSION" = "$VERSION" ]; then
    pass "debian/changelog's version is the extension's ($VERSION)"
else
    fail "debian/changelog's version $PACKAGE_VERSION is not the extension's $VERSION"
fi

# --- build, from the tracked files only ---------------------------------------------------
echo "== building the packages (dpkg-buildpackage -us -uc -b)"
SOURCE="$WORK/ivory-$VERSION"
mkdir -p "$SOURCE"
git -C "$ROOT" ls-files -z | (cd "$ROOT" && tar --null -T - -cf -) | tar -xf - -C "$SOURCE"
if (cd "$SOURCE" && dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
    pass "dpkg-buildpackage -us -uc -b builds"
else
    fail "dpkg-buildpackage -us -uc -b failed" "$(cat "$WORK/build.log")"
fi
arch=$(dpkg --print-architecture)
extension_deb="$WORK/postgresql-15-ivory_${PACKAGE_VERSION}_$arch.deb"
command_deb="$WORK/ivory_${PACKAGE_VERSION}_$arch.deb"
expect "postgresql-15-ivory_${PACKAGE_VERSION}_$arch.deb is built" test -s "$extension_deb"
expect "ivory_${PACKAGE_VERSION}_$arch.deb is built" test -s "$command_deb"

contents() { dpkg-deb -c "$1" 2>/dev/null | awk '{print $6}' | sed 's|^\./|/|'; }
extension_files=$(contents "$extension_deb")
command_files=$(contents "$command_deb")
# The library, the control file and every install and update script.
scripts=()
for script in "$ROOT"/ivory--*.sql; do scripts+=("/usr/share/postgresql/15/extension/${script##*/}"); done
for file in /usr/lib/postgresql/15/lib/ivory.so /usr/share/postgresql/15/extension/ivory.control \
    "${scripts[@]}"; do
    if grep -qxF "$file" <<<"$extension_files"; then
        pass "postgresql-15-ivory holds $file"
    else
        fail "postgresql-15-ivory lacks $file" "$extension_files"
    fi
done
for file in /usr/bin/ivory /usr/share/man/man1/ivory.1.gz; do
    if grep -qxF "$file" <<<"$command_files"; then
        pass "ivory holds $file"
    else
        fail "ivory lacks $file" "$command_files"
    fi
done
if grep -q '^/usr/local' <<<"$extension_files$command_files"; then
    fail "a package installs under /usr/local" "$(grep '^/usr/local' <<<"$extension_files$command_files")"
else
    pass "nothing under /usr/local"
fi
if grep -q '^/usr/bin/ivory$' <<<"$extension_files"; then
    fail "the extension's package holds the command"
else
    pass "the extension's package holds no command"
fi

# --- install, and use what was installed --------------------------------------------------
echo "== installing the packages"
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$extension_deb" "$command_deb" \
    >"$WORK/install.log" 2>&1; then
    installed_packages=(ivory postgresql-15-ivory)
    pass "apt-get installs both packages"
else
    fail "apt-get could not install the packages" "$(cat "$WORK/install.log")"
fi
for file in /usr/lib/postgresql/15/lib/ivory.so /usr/share/postgresql/15/extension/ivory.control; do
    owner=$(dpkg -S "$file" 2>/dev/null | cut -d: -f1)
    if [ "$owner" = postgresql-15-ivory ]; then
        pass "$file now comes from postgresql-15-ivory"
    else
        fail "$file belongs to '${owner:-no package}'"
    fi
done
expect "the command is /usr/bin/ivory from the package ivory" test "$(dpkg -S /usr/bin/ivory | cut -d: -f1)" = ivory
expect "the man page is where man looks" test -s /usr/share/man/man1/ivory.1.gz
if [ "$(/usr/bin/ivory --version 2>&1)" = "ivory $VERSION" ]; then
    pass "/usr/bin/ivory --version says $VERSION"
else
    fail "/usr/bin/ivory --version" "$(/usr/bin/ivory --version 2>&1)"
fi

echo "== starting clusters"
clusters_setup
SOURCE_PORT=$(free_port 57532)
TARGET_PORT=$(free_port $((SOURCE_PORT + 1)))
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$IVORY_TEST_DIR/hba.conf"
cluster_start source "$SOURCE_PORT" "$IVORY_TEST_DIR/hba.conf" "wal_level = logical"
cluster_start target "$TARGET_PORT" "$IVORY_TEST_DIR/hba.conf"
psql_on() { psql -X -q -At -h "$IVORY_TEST_DIR" -U postgres -p "$@"; }
psql_on "$SOURCE_PORT" -d postgres -c "CREATE DATABASE shop" &&
    psql_on "$SOURCE_PORT" -d shop -c "CREATE TABLE orders (id int PRIMARY KEY, total numeric)" &&
    psql_on "$TARGET_PORT" -d postgres -c "CREATE DATABASE shop" &&
    psql_on "$TARGET_PORT" -d shop -c "CREATE TABLE orders (id int PRIMARY KEY, total numeric)" ||
    fail "setting up the databases"
check_output=$(/usr/bin/ivory --source-host "$IVORY_TEST_DIR" --source-port "$SOURCE_PORT" \
    --source-user postgres --source-dbname shop --target-host "$IVORY_TEST_DIR" \
    --target-port "$TARGET_PORT" --target-user postgres --target-dbname shop \
    check --no-webbrowser 2>&1)
check_status=$?
if [ "$check_status" = 0 ] && grep -q "databases are ready" <<<"$check_output"; then
    pass "the installed ivory check passes against the installed extension"
else
    fail "the installed ivory check: exit $check_status" "$check_output"
fi
installed=$(psql_on "$TARGET_PORT" -d shop -c "SELECT extversion FROM pg_extension WHERE extname = 'ivory'")
if [ "$installed" = "$VERSION" ]; then
    pass "the check created extension ivory $VERSION from the package's files"
else
    fail "extension ivory in the target: '$installed', expected $VERSION"
fi
if [ "$(psql_on "$TARGET_PORT" -d shop -c "SELECT count(*) FROM ivory.replication_overview")" = 0 ]; then
    pass "the package's update script made ivory.replication_overview"
else
    fail "ivory.replication_overview is missing"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
