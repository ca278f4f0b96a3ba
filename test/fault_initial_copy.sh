#!/usr/bin/env bash
# Fault test of the initial copy: the source stopped with `pg_ctl -m
# immediate` while a table-sync worker copies a million-row table. Once the
# source is back the copy must complete by itself and every table match the
# source row for row; drop leaves nothing behind. Run by `make test-faults` on
# the clusters that run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"
source "$(dirname "$0")/cluster.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

db=fault_sync
fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL);
INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 1000000) g;
CREATE TABLE small (id int PRIMARY KEY, label text);
INSERT INTO small SELECT g, 'label ' || g FROM generate_series(1, 100) g;
CREATE TABLE tiny (id int PRIMARY KEY);
INSERT INTO tiny VALUES (1), (2), (3);
SQL
ivory_on $db copyschema
expect_status 0 "copyschema"
replication $db create
expect_status 0 "replication create"
replication $db start
expect_status 0 "replication start"

big_copy_running() {
    [ "$(target_sql $db -c "SELECT count(*) FROM pg_stat_progress_copy
        WHERE relid = 'big'::regclass AND tuples_processed > 0" 2>/dev/null)" = 1 ]
}
if poll_until 60 big_copy_running; then
    pass "the table-sync worker is copying the million-row table"
else
    fail "the copy of the million-row table did not begin within 60 s"
fi
if cluster_crash source; then
    pass "source stopped with pg_ctl -m immediate during the initial copy"
else
    fail "pg_ctl -m immediate stop of the source"
fi
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM big")" \
    "the interrupted copy left no row of the big table on the target"
sleep 2
replication $db status
if [ "$STATUS" -ne 0 ]; then
    pass "status reports a problem while the source is down (exit $STATUS)"
else
    fail "status exits 0 while the source is down" "$OUT"
fi
if cluster_restart source; then
    pass "source started again"
else
    fail "source did not start again" "$(tail -5 "$IVORY_TEST_DIR/source.log")"
fi

expect_status_ok_within 240 $db "after the source restarted"
expect_tables_match_within 60 $db "after the source restarted"
expect_count 1000000 "$(target_sql $db -c "SELECT count(*) FROM big")" \
    "all 1,000,000 rows of the big table arrived once"

drop_replication $db "after the fault"
ivory_objects_left $db "after the fault"

integration_summary
