#!/usr/bin/env bash
# Fault test of streaming: the target stopped with `pg_ctl -m immediate` while
# pgbench writes to the source. After the target restarts, replication must
# resume by itself and every table match the source row for row (the
# target's commits in flight are lost with the crash; the slot must send them
# again). Run by `make test-faults` on the clusters that run_tests.sh started;
# ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"
source "$(dirname "$0")/cluster.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

db=fault_stream
fresh_source $db
if "$PG_BINDIR/pgbench" -h "$HOST" -p "$SOURCE_PORT" -U postgres -i -q -s 2 $db >/dev/null 2>&1; then
    pass "pgbench tables created on the source"
else
    fail "pgbench -i on the source"
fi
# pgbench_history has no key; logical replication of its inserts needs none,
# but ivory's checks ask for one on every table.
source_sql $db -c "ALTER TABLE pgbench_history ADD COLUMN id bigserial PRIMARY KEY"
replicate $db "before the fault"

"$PG_BINDIR/pgbench" -h "$HOST" -p "$SOURCE_PORT" -U postgres -n -c 4 -j 2 -T 25 $db \
    >"$TMPDIR/pgbench.out" 2>&1 &
pgbench=$!
history_arrives() {
    [ "$(target_sql $db -c "SELECT count(*) > 0 FROM pgbench_history" 2>/dev/null)" = t ]
}
if poll_until 30 history_arrives; then
    pass "pgbench's writes stream to the target"
else
    fail "pgbench's writes did not reach the target within 30 s"
fi
sleep 3
if cluster_crash target; then
    pass "target stopped with pg_ctl -m immediate under pgbench load"
else
    fail "pg_ctl -m immediate stop of the target"
fi
sleep 3
if cluster_restart target; then
    pass "target started again"
else
    fail "target did not start again" "$(tail -5 "$IVORY_TEST_DIR/target.log")"
fi
expect_pgbench_ran "$pgbench" "pgbench ran through on the source"

expect_status_ok_within 120 $db "after the target restarted"
expect_tables_match_within 120 $db "after the target restarted"

drop_replication $db "after the fault"
ivory_objects_left $db "after the fault"

integration_summary
