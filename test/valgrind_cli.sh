#!/usr/bin/env bash
# valgrind on the normal CLI (cli/ivory, not the sanitized one): --help, a
# usage error, `check` against the clusters and a failed connection. Any
# memory error or a definite/indirect leak makes valgrind exit 99 and fails.
# Run by `make test-asan` and `make test-valgrind` through run_tests.sh
# (IVORY_INTEGRATION_SCRIPTS); ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"
CLI="$(cd "$(dirname "$0")/.." && pwd)/cli/ivory"

vg() { # expected-status name arguments...
    local expected=$1 name=$2
    shift 2
    run valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 --log-file="$TMPDIR/valgrind.log" "$CLI" "$@"
    if [ "$STATUS" -eq "$expected" ] && ! grep -q . "$TMPDIR/valgrind.log"; then
        pass "valgrind: $name (exit $expected, no error, no leak)"
    else
        fail "valgrind: $name: exit $STATUS, expected $expected" \
            "$(cat "$TMPDIR/valgrind.log"; printf '%s\n' "$ERR" | tail -5)"
    fi
}

vg 0 "ivory --help" --help
vg 0 "ivory replication --help" replication --help
vg 2 "a usage error" frobnicate --bogus
vg 2 "a bad option value" -l LOUD check

fresh_pair valgrind_check
common=(--source-host "$HOST" --source-port "$SOURCE_PORT" --source-user postgres
    --source-dbname valgrind_check --target-host "$HOST" --target-port "$TARGET_PORT"
    --target-user postgres --target-dbname valgrind_check)
vg 0 "ivory check" "${common[@]}" check --no-webbrowser
vg 0 "ivory check -l DEBUG" "${common[@]}" -l DEBUG check --no-webbrowser
vg 1 "ivory check with an unreachable source" --source-host 127.0.0.1 --source-port 1 \
    --target-host "$HOST" --target-port "$TARGET_PORT" --target-user postgres \
    --target-dbname valgrind_check check --no-webbrowser

integration_summary
