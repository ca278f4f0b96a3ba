#!/usr/bin/env bash
# Fault tests of the initial copy: the source stopped with `pg_ctl -m
# immediate` while a million-row table is copied. With the native copy
# (a table-sync worker), once the source is back the copy must complete by
# itself; with ivory's own copy, start fails, leaves everything as before
# start, and a second start completes. Either way every table then matches the
# source row for row and drop leaves nothing behind. Run by `make test-faults`
# on the clusters that run_tests.sh started; ends with "integration: N passed, M failed".
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
replication $db start --native-copy
expect_status 0 "replication start --native-copy"

if poll_until 60 copy_running $db big; then
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

# --- ivory's own copy ---------------------------------------------------------------------
ivory_on $db copyschema
expect_status 0 "fast: copyschema"
replication $db create
expect_status 0 "fast: replication create"
start_in_background $db
if poll_until 60 copy_running $db big; then
    pass "fast: ivory is copying the million-row table"
else
    fail "fast: the copy of the million-row table did not begin within 60 s"
fi
if cluster_crash source; then
    pass "fast: source stopped with pg_ctl -m immediate during the copy"
else
    fail "fast: pg_ctl -m immediate stop of the source"
fi
wait "$STARTER"
expect_count 1 "$(cat "$TMPDIR/start.status")" "fast: start fails when the source stops"
expect_in "the source" "$(cat "$TMPDIR/start.err")" "fast: start's error names the source"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM big")" \
    "fast: no row of the interrupted copy stays on the target"
expect_count f "$(target_sql $db -c "SELECT subenabled FROM pg_subscription WHERE subname = 'ivory_subscription'")" \
    "fast: the subscription stays disabled"
if cluster_restart source; then
    pass "fast: source started again"
else
    fail "fast: source did not start again" "$(tail -5 "$IVORY_TEST_DIR/source.log")"
fi
replication $db start
expect_status 0 "fast: start again once the source is back"
expect_in "initial copy done: 3 table(s) (3 in binary format), 1000103 row(s)" "$ERR" "fast: the second start copies every table"
expect_status_ok_within 120 $db "fast: after the source restarted"
expect_tables_match_within 60 $db "fast: after the source restarted"
drop_replication $db "fast: after the fault"
ivory_objects_left $db "fast: after the fault"

integration_summary
