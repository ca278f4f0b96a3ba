#!/usr/bin/env bash
# `make test-asan`: the unit tests and the CLI integration tests (the same
# test/run_tests.sh, on its own throwaway clusters) with the unit tests and the
# CLI built with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer into build-asan/, plus valgrind on the normal CLI
# (test/valgrind_cli.sh). Any sanitizer report fails; ends with
# "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

source test/packages.sh
install_missing_packages "${SANITIZER_PACKAGES[@]}" || { echo "0 passed, 1 failed"; exit 1; }

echo "== building with -fsanitize=address,undefined (build-asan/)"
make -s -j"$(nproc)" build-asan/cli/ivory build-asan/test/unit/unit_tests ||
    { echo "0 passed, 1 failed"; exit 1; }

# Reports go to files as well as failing the process, so that none goes unseen
# in a test that only looks at the exit status.
REPORTS="$ROOT/build-asan/reports"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/ubsan"

IVORY_CLI_DIR=build-asan/cli IVORY_UNIT_TESTS=build-asan/test/unit/unit_tests \
    IVORY_LAYERS="unit integration" \
    IVORY_INTEGRATION_SCRIPTS="$(echo test/integration_*.sh) test/valgrind_cli.sh" \
    test/run_tests.sh 2>&1 | tee build-asan/run_tests.log
output=$(tail -1 build-asan/run_tests.log)
passed=$(echo "$output" | sed -nE 's/^([0-9]+) passed, [0-9]+ failed$/\1/p')
failed=$(echo "$output" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed$/\1/p')
[ -n "$passed" ] || { passed=0; failed=1; }

echo "== sanitizer reports"
if compgen -G "$REPORTS/*" >/dev/null; then
    echo "not ok - sanitizer reports in $REPORTS:"
    for report in "$REPORTS"/*; do echo "--- $report"; head -60 "$report"; done
    failed=$((failed + 1))
else
    echo "ok - no sanitizer report"
    passed=$((passed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
