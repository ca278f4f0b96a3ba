#!/usr/bin/env bash
# CLI and SQL integration tests of ivory's initial copy in background
# workers: start returns at once and status shows the copy; what the caller
# does (a statement_timeout of the database or its own, a CLI killed during
# start --wait, a client gone) neither stops nor undoes it; stop pauses it and
# start resumes it; a rolled-back start starts nothing; drop during a
# four-worker copy leaves nothing on either side. Faults (SIGKILL, -m
# immediate) are in fault_initial_copy.sh. Against the clusters that
# run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

db=background_copy
fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL);
CREATE INDEX big_payload_idx ON big (payload);
INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 1000000) g;
CREATE TABLE small (id int PRIMARY KEY, label text);
INSERT INTO small SELECT g, 'label ' || g FROM generate_series(1, 1000) g;
SQL
for n in 1 2 3 4; do
    source_sql $db -c "CREATE TABLE part_$n (id bigint PRIMARY KEY, payload text)" \
        -c "INSERT INTO part_$n SELECT g, md5(g::text) FROM generate_series(1, 300000) g" >/dev/null
done

task_sql() { target_sql $db -c "$1" 2>/dev/null; }
workers_on_target() {
    target_sql postgres -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ivory copy'"
}
no_workers_on_target() { [ "$(workers_on_target)" = 0 ]; }
no_copy_on_source() {
    [ "$(source_sql postgres -c "SELECT count(*) FROM pg_stat_activity
        WHERE datname = '$db' AND usename = 'ivory_replicator'")" = 0 ]
}
fresh_replication() { # name
    ivory_on $db copyschema
    expect_status 0 "$1: copyschema"
    replication $db create
    expect_status 0 "$1: replication create"
}
# The copy completes by itself, whatever its caller did.
expect_copy_completes() { # name
    if wait_until 180 status_is_ok $db; then
        pass "$1: the copy completed and replication is ready"
    else
        fail "$1: replication not ready within 180 s" "$ERR"
    fi
    expect_count done "$(task_sql "SELECT state FROM ivory.copy_job")" "$1: the copy is done"
    COPY_SECONDS=$(task_sql "SELECT EXTRACT(epoch FROM finished_at - started_at) FROM ivory.copy_job")
    expect_count 1000000 "$(target_sql $db -c "SELECT count(*) FROM big")" "$1: every row of the big table"
    expect_tables_match_within 60 $db "$1"
    drop_replication $db "$1"
    ivory_objects_left $db "$1"
}

# --- a database statement_timeout of 1 s: start returns at once, the copy goes on ----------
fresh_replication "timeout"
target_sql postgres -c "ALTER DATABASE $db SET statement_timeout = '1s'" >/dev/null
replication $db start
expect_status 0 "timeout: replication start with the database's statement_timeout = 1s"
expect_in "initial copy started in the background" "$ERR" "timeout: start returns once the copy is under way"
replication $db status
expect_status 1 "timeout: status exits 1 during the copy"
expect_in "initial copy round 1: running" "$ERR" "timeout: status shows the copy running"
expect_in "worker(s) running" "$ERR" "timeout: status counts the workers"
if poll_until 60 copy_running $db big; then
    replication $db status
    progress=$(printf '%s\n' "$ERR" | grep -E 'table public\.big: (copying [0-9]+\.[0-9]%|building)' | head -1)
    if [ -n "$progress" ]; then
        pass "timeout: status shows the big table's progress: ${progress#*| ivory.replication | }"
    else
        fail "timeout: status shows no progress of the big table" "$ERR"
    fi
else
    fail "timeout: the copy of the big table did not begin within 60 s"
fi
# The workers' sessions were made with the 1 s default; the test's own
# sessions (status, drop) need not be.
target_sql postgres -c "ALTER DATABASE $db RESET statement_timeout" >/dev/null
expect_copy_completes "timeout"
if awk -v s="${COPY_SECONDS:-0}" 'BEGIN { exit !(s > 1) }'; then
    pass "timeout: the copy ran for ${COPY_SECONDS} s, past the database's 1 s statement_timeout"
else
    fail "timeout: the copy took ${COPY_SECONDS:-?} s, not more than the timeout: the test proves nothing"
fi

# --- the caller's own statement_timeout ends its wait, not the copy --------------------------
fresh_replication "own timeout"
out=$(target_sql $db -v ON_ERROR_STOP=0 -c "SET statement_timeout = '500ms'" \
    -c "SELECT ivory.replication_start(wait => true)" 2>&1)
expect_in "canceling statement due to statement timeout" "$out" \
    "own timeout: the caller's statement_timeout ends its wait"
expect_copy_completes "own timeout"

# --- the CLI killed during start --wait --------------------------------------------------------
fresh_replication "cli killed"
# The command itself in the background (not in a subshell), so that the
# SIGKILL reaches it.
ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user ivory_tester \
    --source-password "$SOURCE_PASSWORD" --source-dbname $db --target-host "$HOST" \
    --target-port "$TARGET_PORT" --target-user postgres --target-dbname $db \
    replication start --wait --jobs 2 >"$TMPDIR/cli.out" 2>&1 &
cli=$!
if poll_until 60 copy_running $db big; then
    pass "cli killed: the copy runs while start --wait waits"
else
    fail "cli killed: the copy did not begin within 60 s"
fi
kill -KILL "$cli"
wait "$cli" 2>/dev/null
expect_count 137 "$?" "cli killed: start --wait ended by SIGKILL"
expect_in "initial copy started in the background by 2 worker(s)" "$(cat "$TMPDIR/cli.out")" \
    "cli killed: it had started the copy"
expect_copy_completes "cli killed"

# --- a client that disconnects during ivory.replication_start(wait => true) --------------------
fresh_replication "client gone"
target_sql $db -c "SELECT ivory.replication_start(wait => true)" >/dev/null 2>&1 &
client=$!
if poll_until 60 copy_running $db big; then
    pass "client gone: the copy runs while the client waits"
else
    fail "client gone: the copy did not begin within 60 s"
fi
kill -KILL "$client"
wait "$client" 2>/dev/null
expect_copy_completes "client gone"

# --- a start rolled back starts nothing --------------------------------------------------------
fresh_replication "rollback"
out=$(target_sql $db -c "BEGIN" -c "SELECT ivory.replication_start()" -c "ROLLBACK" 2>&1)
expect_in "initial copy started in the background" "$out" "rollback: start answered"
sleep 3
expect_count 0 "$(task_sql "SELECT count(*) FROM ivory.copy_job")" "rollback: no copy was started"
expect_count 0 "$(workers_on_target)" "rollback: no worker runs"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM big")" "rollback: no row was copied"

# --- stop pauses the copy, start resumes it ------------------------------------------------------
replication $db start --jobs 2
expect_status 0 "pause: replication start"
# Stopped once a table is done while the big one is still being copied.
one_done_big_copying() {
    [ "$(task_sql "SELECT count(*) FILTER (WHERE state = 'done') > 0
        AND bool_or(table_name = 'public.big' AND state = 'copying') FROM ivory.copy_task")" = t ]
}
if poll_until 60 one_done_big_copying; then
    pass "pause: a table is done while the big one is being copied"
else
    fail "pause: no table done while the big one was copied" \
        "$(task_sql "SELECT table_name, state FROM ivory.copy_task ORDER BY 1")"
fi
replication $db stop
expect_status 0 "pause: replication stop during the copy"
expect_in "the initial copy is paused" "$ERR" "pause: stop says the copy is paused"
expect_count 0 "$(workers_on_target)" "pause: no worker runs after stop"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM big")" \
    "pause: the big table's unfinished copy was rolled back"
replication $db status
expect_in "initial copy round 1: paused" "$ERR" "pause: status shows the copy paused"
done_before=$(task_sql "SELECT string_agg(table_name || ' ' || finished_at, ', ' ORDER BY 1)
    FROM ivory.copy_task WHERE state = 'done'")
replication $db start --wait
expect_status 0 "pause: start --wait resumes the copy"
expect_in "initial copy done:" "$ERR" "pause: the resumed copy is done"
expect_count "$done_before" "$(task_sql "SELECT string_agg(table_name || ' ' || finished_at, ', ' ORDER BY 1)
    FROM ivory.copy_task WHERE round = 1")" "pause: the tables done before the stop were not copied again"
expect_count 2 "$(task_sql "SELECT round FROM ivory.copy_task WHERE table_name = 'public.big'")" \
    "pause: the big table was copied in the second round"
expect_copy_completes "pause"

# --- a table copied in ranges: a stop in the middle, then copied again whole -------------------
fresh_replication "ranges"
replication $db start --jobs 2 --split-tables-larger-than 30MB
expect_status 0 "ranges: replication start --jobs 2 --split-tables-larger-than 30MB"
big_in_ranges() {
    [ "$(task_sql "SELECT count(*) FROM ivory.copy_task WHERE table_name = 'public.big'")" = 3 ]
}
if poll_until 30 big_in_ranges; then
    pass "ranges: the big table (about 73 MB) is cut into 3 ranges of its blocks"
else
    fail "ranges: the big table is not cut into 3 ranges" \
        "$(task_sql "SELECT range_number, range_condition FROM ivory.copy_task WHERE table_name = 'public.big'")"
fi
some_ranges_done() {
    [ "$(task_sql "SELECT count(*) FILTER (WHERE state = 'done') > 0 AND count(*) FILTER (WHERE state <> 'done') > 0
        FROM ivory.copy_task WHERE table_name = 'public.big'")" = t ]
}
if poll_until 60 some_ranges_done; then
    pass "ranges: some ranges of the big table are done, others not"
else
    fail "ranges: never some ranges done and others not" \
        "$(task_sql "SELECT range_number, state FROM ivory.copy_task WHERE table_name = 'public.big'")"
fi
big_indexes() {
    target_sql $db -c "SELECT coalesce(string_agg(c.relname, ',' ORDER BY c.relname), 'none')
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'public.big'::regclass"
}
expect_count none "$(big_indexes)" "ranges: the big table's indexes are dropped while its ranges are copied"
replication $db stop
expect_status 0 "ranges: stop in the middle of the big table"
rows_before=$(target_sql $db -c "SELECT count(*) FROM big")
if [ "$rows_before" -gt 0 ] && [ "$rows_before" -lt 1000000 ]; then
    pass "ranges: the ranges done are committed ($rows_before rows of 1000000)"
else
    fail "ranges: expected part of the big table on the target, found $rows_before rows"
fi
replication $db start --wait
expect_status 0 "ranges: start --wait resumes"
expect_count 2 "$(task_sql "SELECT string_agg(DISTINCT round::text, ',') FROM ivory.copy_task
    WHERE table_name = 'public.big'")" "ranges: every range of the big table was copied again, in round 2"
expect_count big_payload_idx,big_pkey "$(big_indexes)" "ranges: the big table's indexes are built after its last range"
expect_count 2 "$(task_sql "SELECT sum(indexes_built) FROM ivory.copy_task WHERE table_name = 'public.big'")" \
    "ranges: the last range built both indexes"
expect_copy_completes "ranges"

# --- drop while a table is copied in ranges: the table is left empty with its indexes -----------
fresh_replication "ranges drop"
run target_sql $db -c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SELECT ivory.replication_start(wait => true)"
expect_in "wait => true needs a READ COMMITTED transaction" "$ERR" \
    "start with wait in a REPEATABLE READ transaction is refused"
expect_count 0 "$(task_sql "SELECT count(*) FROM ivory.copy_job")" "the refused start began no copy"
replication $db start --jobs 2 --split-tables-larger-than 30MB
expect_status 0 "ranges drop: replication start --jobs 2 --split-tables-larger-than 30MB"
if poll_until 60 some_ranges_done; then
    pass "ranges drop: some ranges of the big table are done, others not"
else
    fail "ranges drop: never some ranges done and others not"
fi
replication $db drop
expect_status 0 "ranges drop: drop in the middle of the big table"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM big")" "ranges drop: the big table is empty"
expect_count big_payload_idx,big_pkey "$(big_indexes)" "ranges drop: the big table has its indexes again"
wait_until 10 no_source_slots $db
ivory_objects_left $db "ranges drop"

# --- drop during a copy by four workers ---------------------------------------------------------
fresh_replication "drop"
replication $db start --jobs 4
expect_status 0 "drop: replication start --jobs 4"
four_copying() {
    [ "$(target_sql $db -c "SELECT count(*) FROM pg_stat_progress_copy p
        JOIN pg_stat_activity a ON a.pid = p.pid WHERE a.backend_type = 'ivory copy'" 2>/dev/null)" = 4 ]
}
if poll_until 60 four_copying; then
    pass "drop: four workers copy at once"
else
    fail "drop: four workers did not copy at once" "$(task_sql "SELECT table_name, state FROM ivory.copy_task")"
fi
replication $db drop
expect_status 0 "drop during the four-worker copy"
expect_in "initial copy ivory_subscription: cancelled" "$ERR" "drop says it cancelled the copy"
if wait_until 10 no_copy_on_source; then
    pass "drop: no session of ivory remains on the source"
else
    fail "drop: ivory's sessions remain on the source"
fi
wait_until 10 no_source_slots $db
ivory_objects_left $db "drop during the four-worker copy"

integration_summary
