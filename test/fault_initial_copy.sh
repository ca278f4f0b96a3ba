#!/usr/bin/env bash
# Fault tests of the initial copy while a million-row table is copied. With
# the native copy (a table-sync worker), the source stopped with `pg_ctl -m
# immediate`: once it is back the copy completes by itself. With ivory's
# background workers, a worker killed with SIGKILL, the target and the source
# stopped with `-m immediate`: the tables finished before stay finished, and
# the next start copies only the rest. Either way every table then matches the
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

# --- ivory's own copy: each table commits on its own; a fault costs only what was unfinished ---
# Ten small tables and the million-row one, copied by two workers: the big one
# is taken first (largest first), the small ones are done while it is copied.
# Then a fault in the middle of the big one; the next start copies the big one
# again, in a second round (a new snapshot), and none of the small ones.
for n in 1 2 3 4 5 6 7 8 9 10; do
    source_sql $db -c "CREATE TABLE small_$n (id int PRIMARY KEY, label text)" \
        -c "INSERT INTO small_$n SELECT g, 'label ' || g FROM generate_series(1, 100 * $n) g" >/dev/null
done

task_sql() { target_sql $db -c "$1" 2>/dev/null; }
small_done_big_copying() {
    [ "$(task_sql "SELECT count(*) FILTER (WHERE state = 'done' AND table_name LIKE 'public.small\_%') = 10
        AND bool_or(table_name = 'public.big' AND state = 'copying') FROM ivory.copy_task")" = t ] &&
        copy_running $db big
}
finished_small_tables() {
    task_sql "SELECT string_agg(table_name || ' ' || round || ' ' || finished_at, ', ' ORDER BY table_name)
        FROM ivory.copy_task WHERE table_name LIKE 'public.small\_%'"
}
target_accepts() { target_sql postgres -c "SELECT 1" >/dev/null 2>&1; }

# copyschema, create, start with two workers, and wait for the moment of the fault.
start_copy_for_fault() { # name
    ivory_on $db copyschema
    expect_status 0 "$1: copyschema"
    replication $db create
    expect_status 0 "$1: replication create"
    replication $db start --jobs 2
    expect_status 0 "$1: replication start --jobs 2 returns at once"
    expect_in "in the background by 2 worker(s)" "$ERR" "$1: start says the workers copy"
    if poll_until 60 small_done_big_copying; then
        pass "$1: the ten small tables are done while the big one is being copied"
    else
        fail "$1: the copy did not reach the big table with the small ones done" \
            "$(task_sql "SELECT table_name, state FROM ivory.copy_task ORDER BY 1")"
    fi
    SMALL_BEFORE=$(finished_small_tables)
}

# After the fault: start resumes, the small tables stay as they were.
resume_after_fault() { # name
    replication $db status
    expect_status 1 "$1: status exits 1 while the copy is interrupted"
    expect_in "initial copy round 1:" "$ERR" "$1: status shows the interrupted copy"
    replication $db start --wait
    expect_status 0 "$1: start --wait resumes the copy"
    expect_in "initial copy done:" "$ERR" "$1: start --wait reports the copy done"
    expect_count "$SMALL_BEFORE" "$(finished_small_tables)" \
        "$1: the tables finished before the fault were not copied again (same round 1, same finish time)"
    expect_count 2 "$(task_sql "SELECT round FROM ivory.copy_task WHERE table_name = 'public.big'")" \
        "$1: the big table was copied again, in the second round"
    expect_count 1000000 "$(target_sql $db -c "SELECT count(*) FROM big")" \
        "$1: all 1,000,000 rows of the big table arrived once"
    expect_status_ok_within 120 $db "$1: after the resumed copy"
    expect_tables_match_within 60 $db "$1: after the resumed copy"
    drop_replication $db "$1"
    ivory_objects_left $db "$1"
}

# A worker killed: the postmaster restarts the whole target.
start_copy_for_fault "worker killed"
worker=$(task_sql "SELECT worker_pid FROM ivory.copy_task WHERE table_name = 'public.big'")
if [ -n "$worker" ] && kill -9 "$worker"; then
    pass "worker killed: SIGKILL to the worker copying the big table (pid $worker)"
else
    fail "worker killed: no worker pid for the big table"
fi
sleep 2
if wait_until 60 target_accepts; then
    pass "worker killed: the target is back after its crash restart"
else
    fail "worker killed: the target did not come back"
fi
resume_after_fault "worker killed"

# The target stopped with pg_ctl -m immediate.
start_copy_for_fault "target crash"
if cluster_crash target; then
    pass "target crash: target stopped with pg_ctl -m immediate during the copy"
else
    fail "target crash: pg_ctl -m immediate stop of the target"
fi
if cluster_restart target; then
    pass "target crash: target started again"
else
    fail "target crash: target did not start again" "$(tail -5 "$IVORY_TEST_DIR/target.log")"
fi
resume_after_fault "target crash"

# The source stopped with pg_ctl -m immediate: the worker's table fails, the
# copy ends failed, and the source's return lets start resume it.
start_copy_for_fault "source crash"
if cluster_crash source; then
    pass "source crash: source stopped with pg_ctl -m immediate during the copy"
else
    fail "source crash: pg_ctl -m immediate stop of the source"
fi
copy_failed() { [ "$(task_sql "SELECT state FROM ivory.copy_job")" = failed ]; }
if wait_until 60 copy_failed; then
    pass "source crash: the copy ends failed"
else
    fail "source crash: the copy did not end" "$(task_sql "SELECT * FROM ivory.copy_job")"
fi
expect_count f "$(target_sql $db -c "SELECT subenabled FROM pg_subscription WHERE subname = 'ivory_subscription'")" \
    "source crash: the subscription stays disabled"
if cluster_restart source; then
    pass "source crash: source started again"
else
    fail "source crash: source did not start again" "$(tail -5 "$IVORY_TEST_DIR/source.log")"
fi
resume_after_fault "source crash"

integration_summary
