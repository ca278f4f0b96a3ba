# shellcheck shell=bash
# What ivory needs on Debian 12 to build, test and run, and how to install what
# is missing; sourced by test/run_tests.sh (`make test`), demo/run.sh (`make
# demo`) and the other targets. Safe under `set -e`: every probe that may fail
# is a condition, never a bare assignment. test/integration_packages.sh tests it
# (in clean environments, with fake apt-get and dpkg-query where needed).

PACKAGES=(g++ make postgresql-15 postgresql-server-dev-15 libpq-dev libgtest-dev libcli11-dev nlohmann-json3-dev help2man tmux chromium)
# Also for `make test-asan` (valgrind) and `make fuzz` (clang's libFuzzer):
# install_missing_packages "${SANITIZER_PACKAGES[@]}".
SANITIZER_PACKAGES=(valgrind clang-14 libclang-rt-14-dev)

# The installed version of a package, empty when it is not installed (a
# package removed with its configuration files kept is not installed). One
# line per architecture for a multiarch package: the first installed one.
installed_version() { # package
    local line
    while IFS= read -r line; do
        case "$line" in
        *" ok installed|"*)
            echo "${line#*|}"
            return 0
            ;;
        esac
    done < <(dpkg-query -W -f='${Status}|${Version}\n' "$1" 2>/dev/null || true)
    return 0
}

# The packages of the list that are not installed, one a line.
missing_packages() { # package...
    local package
    for package in "$@"; do
        [ -n "$(installed_version "$package")" ] || echo "$package"
    done
}

install_missing_packages() { # [extra package...]
    local missing=() package server dev
    while IFS= read -r package; do
        [ -n "$package" ] && missing+=("$package")
    done < <(missing_packages "${PACKAGES[@]}" "$@")
    # The extension is built against the server-dev headers; run it on the
    # server of the same minor release (when the list asks for the server).
    case " ${PACKAGES[*]} $* " in
    *" postgresql-15 "* | *" postgresql-server-dev-15 "*)
        server=$(installed_version postgresql-15)
        dev=$(installed_version postgresql-server-dev-15)
        if [ -n "$server" ] && [ -n "$dev" ] && [ "$server" != "$dev" ]; then
            echo "postgresql-15 $server is not the release of postgresql-server-dev-15 $dev" >&2
            missing+=(postgresql-15)
        fi
        ;;
    esac
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages: ${missing[*]}" >&2
        echo "run this as root to install them, or: sudo apt-get install ${missing[*]}" >&2
        return 1
    fi
    echo "== installing ${missing[*]}"
    # New server headers bring the server of the same release along.
    local install=("${missing[@]}")
    case " ${missing[*]} " in *" postgresql-server-dev-15 "*) install+=(postgresql-15) ;; esac
    local log
    log=$(mktemp)
    if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 ||
        ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${install[@]}" >>"$log" 2>&1; then
        tail -5 "$log" | sed 's/^/    /' >&2
        rm -f "$log"
        echo "missing packages: ${missing[*]}" >&2
        echo "apt-get could not install them (is the Debian archive reachable?)" >&2
        return 1
    fi
    rm -f "$log"
    local still=()
    while IFS= read -r package; do
        [ -n "$package" ] && still+=("$package")
    done < <(missing_packages "${missing[@]}")
    if [ ${#still[@]} -gt 0 ]; then
        echo "missing packages: ${still[*]} (apt-get ran but did not install them)" >&2
        return 1
    fi
    return 0
}
