#!/usr/bin/env bash
# `make test`: everything from a fresh Debian 12 machine to one summary line.
# Installs what is missing, builds, installs, starts throwaway clusters, runs
# the unit tests, the pg_regress suite and the CLI integration tests, tears the
# clusters down (also on failure) and ends with "N passed, M failed".
# The pg_regress layer is `make installcheck` (the Makefile's REGRESS, from
# test/regress_schedule) against these clusters.
# One layer or one script (unset: everything, as above):
#   IVORY_LAYERS               which of "rules unit regress integration" to run;
#                              `make test LAYERS="unit regress"` sets it (the
#                              clusters start only for regress and integration)
#   IVORY_INTEGRATION_SCRIPTS  the integration scripts, paths from the repository
#                              root (default test/integration_*.sh); `make test
#                              SCRIPTS=test/integration_check.sh` sets it and, without
#                              LAYERS, IVORY_LAYERS=integration; `make test-faults`
#                              passes test/fault_*.sh test/scale_*.sh
#   PG_CONFIG                  the pg_config of the target's PostgreSQL (default:
#                              the one on PATH, Debian's 15): the extension is
#                              built and installed with it, the target cluster
#                              runs its server, and its psql and pg_dump come
#                              first on PATH (make test-versions sets it)
#   SOURCE_BINDIR              the bin directory of the source cluster's server
#                              (default: the target's)
# For `make test-asan` / `make test-valgrind`:
#   IVORY_CLI_DIR              directory put first on PATH (another `ivory`)
#   IVORY_UNIT_TESTS           the unit test binary to run
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LAYERS=" ${IVORY_LAYERS:-rules unit regress integration} "
layer() { [[ "$LAYERS" == *" $1 "* ]]; }
for requested in $LAYERS; do
    case " rules unit regress integration " in
    *" $requested "*) ;;
    *)
        echo "unknown test layer '$requested' (IVORY_LAYERS / make test LAYERS=): the layers are rules unit regress integration" >&2
        echo "0 passed, 1 failed"
        exit 1
        ;;
    esac
done
[ -n "${IVORY_CLI_DIR:-}" ] && PATH="$(cd "$IVORY_CLI_DIR" && pwd):$PATH"

source test/packages.sh
install_missing_packages || exit 1

export PG_CONFIG=${PG_CONFIG:-pg_config}
TARGET_BINDIR=$("$PG_CONFIG" --bindir) || { echo "0 passed, 1 failed"; exit 1; }
PATH="$TARGET_BINDIR:$PATH"
export TARGET_BINDIR
echo "== building (target: $("$PG_CONFIG" --version))"
make -s -j"$(nproc)" all test/unit/unit_tests test/silent_server || { echo "0 passed, 1 failed"; exit 1; }
echo "== installing"
make -s install >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

source test/cluster.sh
PASSED=0
FAILED=0
SILENT_PID=
cleanup() {
    [ -n "$SILENT_PID" ] && kill "$SILENT_PID" 2>/dev/null
    clusters_teardown
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- source rules -------------------------------------------------------------
# Inside the server, libpq must not block interrupts, and only the boundary
# raises PostgreSQL errors.
if layer rules; then
echo "== source rules"
blocking=$(grep -rnE '\b(PQexec|PQconnectdb|PQping)\(' src/ | grep -vE '^[^:]*:[0-9]+: *//')
raising=$(grep -rnE '\b(elog|ereport)\(ERROR' src/ | grep -vE '^[^:]*:[0-9]+: *//' |
    grep -v '^src/pg/guard.cpp:')
if [ -z "$blocking$raising" ]; then
    echo "ok - no blocking libpq call in the extension, errors raised only at the boundary"
    PASSED=$((PASSED + 1))
else
    echo "not ok - source rules"
    printf '%s\n' "$blocking" "$raising" | sed 's/^/    /'
    FAILED=$((FAILED + 1))
fi
# The extension's version, its package's and its PGXN entry's move together.
extension_version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" ivory.control)
changelog_version=$(sed -n '1s/^ivory (\([^)]*\)).*/\1/p' debian/changelog)
meta_version=$(sed -n '0,/"version"/s/.*"version": *"\([^"]*\)".*/\1/p' META.json)
if [ -n "$extension_version" ] && [ "$changelog_version" = "$extension_version" ] &&
    [ "$meta_version" = "$extension_version" ]; then
    echo "ok - ivory.control, debian/changelog and META.json say version $extension_version"
    PASSED=$((PASSED + 1))
else
    echo "not ok - versions differ: ivory.control '$extension_version', debian/changelog '$changelog_version', META.json '$meta_version'"
    FAILED=$((FAILED + 1))
fi
fi

# --- unit tests -------------------------------------------------------------
if layer unit; then
echo "== unit tests (GoogleTest)"
unit_output=$("${IVORY_UNIT_TESTS:-test/unit/unit_tests}" 2>&1)
unit_status=$?
echo "$unit_output" | grep -E '^\[  (FAILED|PASSED) |^\[==========\]' | tail -5
unit_passed=$(echo "$unit_output" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
unit_failed=$(echo "$unit_output" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
if [ "$unit_status" -ne 0 ]; then echo "$unit_output" | grep -E '^\[  FAILED  \]|Failure' | head -40; fi
PASSED=$((PASSED + ${unit_passed:-0}))
FAILED=$((FAILED + ${unit_failed:-0}))
if [ "$unit_status" -ne 0 ] && [ -z "$unit_failed" ]; then FAILED=$((FAILED + 1)); fi
fi

# --- clusters ---------------------------------------------------------------
# Only for the layers that need them.
if layer regress || layer integration; then
echo "== starting clusters"
clusters_setup
SOURCE_PORT=$(free_port 55432)
TARGET_PORT=$(free_port $((SOURCE_PORT + 1)))
REPLICA_PORT=$(free_port $((TARGET_PORT + 1)))
export SOURCE_PORT TARGET_PORT REPLICA_PORT
# Source: the replication role logs in with a password, over the socket and TCP.
cat >"$IVORY_TEST_DIR/source_hba.conf" <<HBA
local all postgres trust
local all all scram-sha-256
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
# A source that is not ready: wal_level=replica, no line for ivory_replicator.
cat >"$IVORY_TEST_DIR/replica_hba.conf" <<HBA
local all postgres trust
host all postgres 127.0.0.1/32 trust
HBA
# The scale test copies and replicates a 2,000-table schema: its transactions
# take many locks. The target publishes too: the way back after a switchover.
cluster_start source "$SOURCE_PORT" "$IVORY_TEST_DIR/source_hba.conf" \
    "wal_level = logical" "max_replication_slots = 10" "max_wal_senders = 10" \
    "max_locks_per_transaction = 1024" &&
cluster_start target "$TARGET_PORT" "$IVORY_TEST_DIR/source_hba.conf" \
    "wal_level = logical" "max_logical_replication_workers = 6" "max_worker_processes = 12" \
    "max_locks_per_transaction = 1024" &&
cluster_start replica "$REPLICA_PORT" "$IVORY_TEST_DIR/replica_hba.conf" \
    "wal_level = replica" || { echo "$PASSED passed, $((FAILED + 1)) failed"; exit 1; }
export PGHOST=$IVORY_TEST_DIR PGUSER=postgres
SILENT_PORT_FILE="$IVORY_TEST_DIR/silent.port"
test/silent_server >"$SILENT_PORT_FILE" &
SILENT_PID=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$SILENT_PORT_FILE" ] && break; sleep 0.1; done
SILENT_PORT=$(cat "$SILENT_PORT_FILE")
export SILENT_PORT

# --- pg_regress ---------------------------------------------------------------
psql -X -q -p "$SOURCE_PORT" -d postgres -v ON_ERROR_STOP=1 <<SQL >/dev/null
CREATE DATABASE ivory_regress TEMPLATE template0;
CREATE ROLE ivory_tester LOGIN SUPERUSER PASSWORD 'right-Secret-42';
SQL
export IVORY_SOURCE="host=$IVORY_TEST_DIR port=$SOURCE_PORT user=postgres dbname=ivory_regress"
export IVORY_SOURCE_HOST=$IVORY_TEST_DIR IVORY_TARGET_HOST=$IVORY_TEST_DIR
export IVORY_SOURCE_PORT=$SOURCE_PORT IVORY_TARGET_PORT=$TARGET_PORT
if layer regress; then
echo "== regression tests (pg_regress)"
# The suite is the Makefile's (REGRESS, REGRESS_OPTS); the IVORY_* variables
# above point it at the target and the source.
REGRESS_OUT="$IVORY_TEST_DIR/regress"
mkdir -p "$REGRESS_OUT"
regress_output=$(make -s --no-print-directory installcheck \
    EXTRA_REGRESS_OPTS="--outputdir=$REGRESS_OUT" 2>&1)
echo "$regress_output" | grep -E '^(test|     |ok|not ok)|tests (passed|failed)' | sed 's/^/  /'
# Every test of the schedule ("test: name..." lines) that did not pass failed.
regress_total=$(sed -n 's/^test: *//p' "$ROOT/test/regress_schedule" | wc -w)
# "test name ... ok" before PostgreSQL 16's pg_regress, "ok 1 - name" (TAP) from 16 on.
regress_passed=$(echo "$regress_output" | grep -cE '^(test|     ) .* \.\.\. ok |^ok +[0-9]+ ')
regress_failed=$((regress_total - regress_passed))
if [ -s "$REGRESS_OUT/regression.diffs" ]; then
    echo "-- regression.diffs:"
    head -150 "$REGRESS_OUT/regression.diffs"
fi
# IVORY_REGRESS_RESULTS=DIR keeps the outputs (the test directory goes).
if [ -n "${IVORY_REGRESS_RESULTS:-}" ]; then
    mkdir -p "$IVORY_REGRESS_RESULTS" && cp -r "$REGRESS_OUT/results/." "$IVORY_REGRESS_RESULTS/"
fi
if ! echo "$regress_output" | grep -qE 'tests passed|tests failed'; then
    echo "$regress_output" | tail -20
    regress_failed=$regress_total
    regress_passed=0
fi
PASSED=$((PASSED + regress_passed))
FAILED=$((FAILED + regress_failed))
fi
fi

# --- CLI integration tests ------------------------------------------------------
# Each test/integration_*.sh prints "ok"/"not ok" lines and ends with
# "integration: N passed, M failed".
layer integration || IVORY_INTEGRATION_SCRIPTS=
for script in ${IVORY_INTEGRATION_SCRIPTS-test/integration_*.sh}; do
    echo "== integration tests: $script"
    integration_output=$("$script" 2>&1)
    echo "$integration_output" | grep -E '^(ok|not ok)|^    ' | head -400
    summary=$(echo "$integration_output" | grep -E '^integration: [0-9]+ passed, [0-9]+ failed$' | tail -1)
    if [ -z "$summary" ]; then
        echo "not ok - $script ended without a summary"
        echo "$integration_output" | tail -20
        FAILED=$((FAILED + 1))
        continue
    fi
    PASSED=$((PASSED + $(echo "$summary" | sed -E 's/^integration: ([0-9]+) passed.*/\1/')))
    FAILED=$((FAILED + $(echo "$summary" | sed -E 's/.* ([0-9]+) failed$/\1/')))
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
