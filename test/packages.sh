# shellcheck shell=bash
# What ivory needs on Debian 12 to build, test and run, and how to install what
# is missing; sourced by test/run_tests.sh (`make test`) and demo/run.sh
# (`make demo`).

PACKAGES=(g++ make postgresql-15 postgresql-server-dev-15 libpq-dev libgtest-dev libcli11-dev nlohmann-json3-dev help2man tmux chromium)
# Also for `make test-asan` (valgrind) and `make fuzz` (clang's libFuzzer):
# install_missing_packages "${SANITIZER_PACKAGES[@]}".
SANITIZER_PACKAGES=(valgrind clang-14 libclang-rt-14-dev)

install_missing_packages() { # [extra package...]
    local missing=() package
    for package in "${PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
            missing+=("$package")
    done
    # The extension is built against the server-dev headers; run it on the
    # server of the same minor release.
    local server dev
    server=$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null)
    dev=$(dpkg-query -W -f='${Version}' postgresql-server-dev-15 2>/dev/null)
    if [ -n "$dev" ] && [ "$server" != "$dev" ]; then missing+=(postgresql-15); fi
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages: ${missing[*]} (run as root, or install them)" >&2
        return 1
    fi
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql-15 "${missing[@]}" >/dev/null
}
