#!/usr/bin/env bash
# `make test-package`: builds the Debian packages from the tracked files
# (dpkg-buildpackage -us -uc -b): postgresql-NN-ivory for each PostgreSQL
# version built on this machine, and ivory. Those versions are 15 (Debian's
# package) and each of IVORY_PACKAGE_PG_VERSIONS (default 18) that
# test/postgres_versions.sh builds from Debian's source package into its cache
# (/var/cache/ivory/postgres/NN); a version it cannot get is skipped, and said
# so. Installs all the packages side by side with apt, and for each version
# starts a throwaway cluster of that version's binaries, creates the extension
# there from the package's files and runs the installed `ivory check` against
# it. Removes the packages again at the end and puts back the files of a
# source install they replaced.
# As root on Debian 12; ends with "N passed, M failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/test/packages.sh"
source "$ROOT/test/postgres_versions.sh"
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() {
    FAILED=$((FAILED + 1))
    echo "not ok - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -30 | sed 's/^/    /'
}
# Not a failure, but said: counted as passed, marked as skipped (TAP's SKIP).
skip() { PASSED=$((PASSED + 1)); echo "ok - $1 # SKIP $2"; }
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
made_paths=()    # what the pg_config links made in the system (without a mount namespace)
replaced_files=() # files of no package that the packages replaced, kept in $WORK/replaced
cleanup() {
    clusters_teardown 2>/dev/null
    if [ ${#installed_packages[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${installed_packages[@]}" >/dev/null 2>&1
    fi
    local file index
    for file in "${replaced_files[@]}"; do
        [ -e "$file" ] || cp -a "$WORK/replaced$file" "$file"
    done
    for ((index = ${#made_paths[@]} - 1; index >= 0; index--)); do
        file=${made_paths[index]}
        if [ -L "$file" ]; then rm -f "$file"; else rmdir "$file" 2>/dev/null; fi
    done
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

# --- the PostgreSQL versions to build for -----------------------------------------------------
# 15 is Debian's; the others come from test/postgres_versions.sh's cache, where
# pg_buildext finds them through a link /usr/lib/postgresql/NN/bin/pg_config
# to the cache's pg_config (below). A version Debian installed already is
# built as Debian's.
PG_VERSIONS=(15)  # the versions the packages are built for
CACHE_VERSIONS=() # those of them from the cache
declare -A PG_CONFIG_OF=([15]=/usr/lib/postgresql/15/bin/pg_config)
for major in ${IVORY_PACKAGE_PG_VERSIONS:-18}; do
    if [ -x "/usr/lib/postgresql/$major/bin/pg_config" ]; then
        PG_VERSIONS+=("$major")
        PG_CONFIG_OF[$major]=/usr/lib/postgresql/$major/bin/pg_config
        pass "PostgreSQL $major is installed in /usr/lib/postgresql/$major"
        continue
    fi
    if [ -e "/usr/lib/postgresql/$major" ]; then
        skip "postgresql-$major-ivory" "/usr/lib/postgresql/$major exists without bin/pg_config"
        continue
    fi
    echo "== PostgreSQL $major: from test/postgres_versions.sh's cache $IVORY_PG_CACHE (built first when missing: long)"
    if ! ensure_postgres_version "$major" 2>"$WORK/postgres-$major.log"; then
        skip "postgresql-$major-ivory" "PostgreSQL $major could not be got: $(grep -v '^== ' "$WORK/postgres-$major.log" | tail -1)"
        sed 's/^/    /' "$WORK/postgres-$major.log" | tail -10
    elif [ ! -x "$IVORY_PG_CACHE/$major/bin/pg_config" ]; then
        skip "postgresql-$major-ivory" "the cache has no $IVORY_PG_CACHE/$major/bin/pg_config (a server without headers)"
    else
        PG_VERSIONS+=("$major")
        CACHE_VERSIONS+=("$major")
        PG_CONFIG_OF[$major]=$IVORY_PG_CACHE/$major/bin/pg_config
        pass "PostgreSQL $major is in $IVORY_PG_CACHE/$major ($(head -1 "$IVORY_PG_CACHE/$major/.complete"))"
    fi
done
echo "== building for PostgreSQL ${PG_VERSIONS[*]}"

# Runs a command where pg_buildext finds each version of CACHE_VERSIONS:
# /usr/lib/postgresql/NN/bin/pg_config, a link to the cache's pg_config (which
# reports the cache's paths: it resolves the link to find its installation).
# In a private mount namespace when unshare may make one: the rest of the
# machine never sees the link (/usr/bin/pg_config runs the newest version's
# for everyone). Else the links are made in the system for the command's
# duration and removed after it, or on exit.
with_cache_pg_configs() { # command...
    [ ${#CACHE_VERSIONS[@]} -gt 0 ] || {
        "$@"
        return
    }
    local status major path
    if unshare --mount --propagation private true 2>/dev/null; then
        # /usr/lib/postgresql is replaced by a directory of $WORK holding the
        # same versions (bind mounts) and the links.
        # shellcheck disable=SC2016 # expanded by the inner bash
        unshare --mount --propagation private bash -c '
            set -e
            lib=$1 cache=$2 versions=$3
            shift 3
            for dir in /usr/lib/postgresql/*/; do
                name=${dir%/}
                name=${name##*/}
                mkdir "$lib/$name"
                mount --bind "$dir" "$lib/$name"
            done
            for major in $versions; do
                mkdir -p "$lib/$major/bin"
                ln -s "$cache/$major/bin/pg_config" "$lib/$major/bin/pg_config"
            done
            mount --rbind "$lib" /usr/lib/postgresql
            exec "$@"
        ' with_cache_pg_configs "$(mktemp -d "$WORK/postgresql-lib.XXXXXX")" "$IVORY_PG_CACHE" "${CACHE_VERSIONS[*]}" "$@"
        return
    fi
    echo "== no mount namespace (unshare): links in /usr/lib/postgresql for the build"
    for major in "${CACHE_VERSIONS[@]}"; do
        for path in "/usr/lib/postgresql/$major" "/usr/lib/postgresql/$major/bin"; do
            mkdir "$path" && made_paths+=("$path") || return 1
        done
        path=/usr/lib/postgresql/$major/bin/pg_config
        ln -s "$IVORY_PG_CACHE/$major/bin/pg_config" "$path" && made_paths+=("$path") || return 1
    done
    "$@"
    status=$?
    for major in "${CACHE_VERSIONS[@]}"; do
        rm -f "/usr/lib/postgresql/$major/bin/pg_config"
        rmdir "/usr/lib/postgresql/$major/bin" "/usr/lib/postgresql/$major"
    done
    made_paths=()
    return "$status"
}

# --- build, from the tracked files only ---------------------------------------------------
SOURCE="$WORK/ivory-$VERSION"
mkdir -p "$SOURCE"
git -C "$ROOT" ls-files -z | (cd "$ROOT" && tar --null -T - -cf -) | tar -xf - -C "$SOURCE"
# The tracked debian/control is the one pg_buildext makes from control.in for
# the versions Debian 12 supports (15), as a Debian maintainer's build checks.
if (cd "$SOURCE" && env -u PG_SUPPORTED_VERSIONS pg_buildext checkcontrol) >"$WORK/control.log" 2>&1; then
    pass "debian/control is pg_buildext's from debian/control.in (checkcontrol)"
else
    fail "debian/control is not pg_buildext's from debian/control.in: run pg_buildext updatecontrol" \
        "$(cat "$WORK/control.log")"
fi
# For the versions built here: one package paragraph per version.
(cd "$SOURCE" && PG_SUPPORTED_VERSIONS="${PG_VERSIONS[*]}" pg_buildext updatecontrol) >"$WORK/control.log" 2>&1
expected_packages=$(for major in "${PG_VERSIONS[@]}"; do echo "postgresql-$major-ivory"; done; echo ivory)
control_packages=$(sed -n 's/^Package: //p' "$SOURCE/debian/control")
if [ "$control_packages" = "$expected_packages" ]; then
    pass "pg_buildext updatecontrol for ${PG_VERSIONS[*]}: $(tr '\n' ' ' <<<"$control_packages")"
else
    fail "pg_buildext updatecontrol for ${PG_VERSIONS[*]}: $(tr '\n' ' ' <<<"$control_packages")" \
        "$(cat "$WORK/control.log")"
fi

echo "== building the packages (dpkg-buildpackage -us -uc -b)"
if (cd "$SOURCE" && with_cache_pg_configs env PG_SUPPORTED_VERSIONS="${PG_VERSIONS[*]}" \
    dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
    pass "dpkg-buildpackage -us -uc -b builds"
else
    fail "dpkg-buildpackage -us -uc -b failed" "$(cat "$WORK/build.log")"
fi
for major in "${CACHE_VERSIONS[@]}"; do
    expect "/usr/lib/postgresql/$major is as before the build" test ! -e "/usr/lib/postgresql/$major"
done
arch=$(dpkg --print-architecture)
deb_of() { echo "$WORK/${1}_${PACKAGE_VERSION}_$arch.deb"; }
contents() { dpkg-deb -c "$1" 2>/dev/null | awk '{print $6}' | sed 's|^\./|/|'; }
command_deb=$(deb_of ivory)
expect "ivory_${PACKAGE_VERSION}_$arch.deb is built" test -s "$command_deb"
command_files=$(contents "$command_deb")
all_files=$command_files
for file in /usr/bin/ivory /usr/share/man/man1/ivory.1.gz; do
    if grep -qxF "$file" <<<"$command_files"; then
        pass "ivory holds $file"
    else
        fail "ivory lacks $file" "$command_files"
    fi
done

# Each version's package: its files where that version's pg_config says, and
# a dependency on the server package where Debian has one.
declare -A PKGLIBDIR_OF SHAREDIR_OF
extension_debs=()
for major in "${PG_VERSIONS[@]}"; do
    package=postgresql-$major-ivory
    deb=$(deb_of "$package")
    PKGLIBDIR_OF[$major]=$("${PG_CONFIG_OF[$major]}" --pkglibdir)
    SHAREDIR_OF[$major]=$("${PG_CONFIG_OF[$major]}" --sharedir)
    if [ -s "$deb" ]; then
        pass "${deb##*/} is built"
        extension_debs+=("$deb")
    else
        fail "${deb##*/} is not built" "$(ls "$WORK")"
        continue
    fi
    extension_files=$(contents "$deb")
    all_files+=$'\n'$extension_files
    # The library, the control file and every install and update script.
    files=("${PKGLIBDIR_OF[$major]}/ivory.so" "${SHAREDIR_OF[$major]}/extension/ivory.control")
    for script in "$ROOT"/ivory--*.sql; do files+=("${SHAREDIR_OF[$major]}/extension/${script##*/}"); done
    for file in "${files[@]}"; do
        if grep -qxF "$file" <<<"$extension_files"; then
            pass "$package holds $file"
        else
            fail "$package lacks $file" "$extension_files"
        fi
    done
    if grep -q '^/usr/bin/ivory$' <<<"$extension_files"; then
        fail "$package holds the command"
    else
        pass "$package holds no command"
    fi
    depends=$(dpkg-deb -f "$deb" Depends)
    case " ${CACHE_VERSIONS[*]} " in
    *" $major "*)
        # Built from source: no server package to depend on (debian/rules).
        if grep -qE '(^|[ ,])postgresql-[0-9]+([ ,(]|$)' <<<"$depends"; then
            fail "$package depends on a server package, none is installable: $depends"
        else
            pass "$package depends on no server package: $depends"
        fi
        ;;
    *)
        if grep -qE "(^|[ ,])postgresql-$major([ ,(]|$)" <<<"$depends"; then
            pass "$package depends on postgresql-$major: $depends"
        else
            fail "$package does not depend on postgresql-$major: $depends"
        fi
        ;;
    esac
done
if grep -q '^/usr/local' <<<"$all_files"; then
    fail "a package installs under /usr/local" "$(grep '^/usr/local' <<<"$all_files")"
else
    pass "nothing under /usr/local"
fi

# --- install, and use what was installed --------------------------------------------------
echo "== installing the packages"
# A source install's files (make install) that a package replaces are owned by
# no package: dpkg overwrites them and the purge at the end removes them. They
# are kept here and put back after the purge.
mkdir -p "$WORK/replaced"
while IFS= read -r file; do
    if [ -f "$file" ] && ! dpkg-query -S "$file" >/dev/null 2>&1; then
        mkdir -p "$WORK/replaced${file%/*}" && cp -a "$file" "$WORK/replaced$file" && replaced_files+=("$file")
    fi
done < <(for deb in "${extension_debs[@]}" "$command_deb"; do contents "$deb"; done | grep -v '/$')
[ ${#replaced_files[@]} -eq 0 ] || echo "== kept ${#replaced_files[@]} files of a source install, put back at the end"
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${extension_debs[@]}" "$command_deb" \
    >"$WORK/install.log" 2>&1; then
    installed_packages=(ivory)
    for major in "${PG_VERSIONS[@]}"; do installed_packages+=("postgresql-$major-ivory"); done
    pass "apt-get installs ${installed_packages[*]} side by side"
else
    fail "apt-get could not install the packages" "$(cat "$WORK/install.log")"
fi
for major in "${PG_VERSIONS[@]}"; do
    for file in "${PKGLIBDIR_OF[$major]}/ivory.so" "${SHAREDIR_OF[$major]}/extension/ivory.control"; do
        owner=$(dpkg -S "$file" 2>/dev/null | cut -d: -f1)
        if [ "$owner" = "postgresql-$major-ivory" ]; then
            pass "$file now comes from postgresql-$major-ivory"
        else
            fail "$file belongs to '${owner:-no package}'"
        fi
    done
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
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$IVORY_TEST_DIR/hba.conf"
SOURCE_PORT=$(free_port 57532)
cluster_start source "$SOURCE_PORT" "$IVORY_TEST_DIR/hba.conf" "wal_level = logical"
psql_on() { psql -X -q -At -h "$IVORY_TEST_DIR" -U postgres -p "$@"; }
psql_on "$SOURCE_PORT" -d postgres -c "CREATE DATABASE shop" &&
    psql_on "$SOURCE_PORT" -d shop -c "CREATE TABLE orders (id int PRIMARY KEY, total numeric)" ||
    fail "setting up the source database"
declare -A BINDIR_OF
for major in "${PG_VERSIONS[@]}"; do BINDIR_OF[$major]=$("${PG_CONFIG_OF[$major]}" --bindir); done

# Each version's target, from that version's binaries, the source the 15 above.
next_port=$((SOURCE_PORT + 1))
for major in "${PG_VERSIONS[@]}"; do
    package=postgresql-$major-ivory
    port=$(free_port "$next_port")
    next_port=$((port + 1))
    if ! TARGET_BINDIR=${BINDIR_OF[$major]} cluster_start "target-$major" "$port" "$IVORY_TEST_DIR/hba.conf"; then
        fail "starting a PostgreSQL $major cluster from ${BINDIR_OF[$major]}" \
            "$(cat "$IVORY_TEST_DIR/target-$major.log" 2>/dev/null)"
        continue
    fi
    server=$(psql_on "$port" -d postgres -c "SHOW server_version_num")
    expect "the target cluster of ${BINDIR_OF[$major]} runs PostgreSQL $major ($server)" test "${server:0:2}" = "$major"
    # The extension from the package's files, in the database postgres.
    if output=$(psql_on "$port" -d postgres -v ON_ERROR_STOP=1 -c "CREATE EXTENSION ivory" 2>&1); then
        pass "CREATE EXTENSION ivory on PostgreSQL $major"
    else
        fail "CREATE EXTENSION ivory on PostgreSQL $major" "$output"
    fi
    library=$(psql_on "$port" -d postgres -c "SELECT ivory.version()" 2>&1)
    if [ "$library" = "$VERSION" ]; then
        pass "ivory.version() on PostgreSQL $major says $VERSION"
    else
        fail "ivory.version() on PostgreSQL $major" "$library"
    fi
    # The library this backend loaded (its memory map) and the directory the
    # server reads control files from: the package's files.
    loaded=$(psql_on "$port" -d postgres -c "SELECT ivory.version() IS NOT NULL" \
        -c "SELECT DISTINCT substring(line FROM '(/\\S*/ivory\\.so)\$')
              FROM regexp_split_to_table(pg_read_file('/proc/self/maps'), E'\\n') AS line
             WHERE line LIKE '%/ivory.so'" 2>&1 | tail -1)
    owner=$(dpkg -S "$loaded" 2>/dev/null | cut -d: -f1)
    if [ "$loaded" = "${PKGLIBDIR_OF[$major]}/ivory.so" ] && [ "$owner" = "$package" ]; then
        pass "PostgreSQL $major loaded $loaded, of $package"
    else
        fail "PostgreSQL $major loaded '$loaded' (of '${owner:-no package}'), not ${PKGLIBDIR_OF[$major]}/ivory.so of $package"
    fi
    sharedir=$(psql_on "$port" -d postgres -c "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'")
    owner=$(dpkg -S "$sharedir/extension/ivory.control" 2>/dev/null | cut -d: -f1)
    if [ "$owner" = "$package" ]; then
        pass "PostgreSQL $major reads $sharedir/extension/ivory.control, of $package"
    else
        fail "PostgreSQL $major reads $sharedir/extension/ivory.control, of '${owner:-no package}'"
    fi

    # The installed command against it: the check creates the extension in shop.
    psql_on "$port" -d postgres -c "CREATE DATABASE shop" &&
        psql_on "$port" -d shop -c "CREATE TABLE orders (id int PRIMARY KEY, total numeric)" ||
        fail "setting up the PostgreSQL $major target database"
    check_output=$(/usr/bin/ivory --source-host "$IVORY_TEST_DIR" --source-port "$SOURCE_PORT" \
        --source-user postgres --source-dbname shop --target-host "$IVORY_TEST_DIR" \
        --target-port "$port" --target-user postgres --target-dbname shop \
        check --no-webbrowser 2>&1)
    check_status=$?
    if [ "$check_status" = 0 ] && grep -q "databases are ready" <<<"$check_output"; then
        pass "the installed ivory check passes against $package (source 15, target $major)"
    else
        fail "the installed ivory check against $package: exit $check_status" "$check_output"
    fi
    installed=$(psql_on "$port" -d shop -c "SELECT extversion FROM pg_extension WHERE extname = 'ivory'")
    if [ "$installed" = "$VERSION" ]; then
        pass "the check created extension ivory $VERSION from $package's files"
    else
        fail "extension ivory in the PostgreSQL $major target: '$installed', expected $VERSION"
    fi
    if [ "$(psql_on "$port" -d shop -c "SELECT count(*) FROM ivory.replication_overview")" = 0 ]; then
        pass "$package's update script made ivory.replication_overview"
    else
        fail "ivory.replication_overview is missing on PostgreSQL $major"
    fi
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
