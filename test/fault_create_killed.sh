#!/usr/bin/env bash
# Fault tests of `replication create`: the target backend running it ended
# after the slot exists on the source, before the subscription commits. It is
# held there by a session that keeps pg_subscription_rel locked (create
# registers the tables in it last). Ended with pg_terminate_backend, the
# abort undoes what it made on the source; killed with SIGKILL (the server
# restarts, nothing is undone), running create again must complete with one
# publication, one subscription and one slot. Run by `make test-faults` on
# the clusters that run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"
source "$(dirname "$0")/cluster.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

db=fault_create
fresh_source $db
source_sql $db -c "CREATE TABLE items (id int PRIMARY KEY, label text)" \
    -c "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g" \
    -c "CREATE TABLE notes (id int PRIMARY KEY, body text)" \
    -c "INSERT INTO notes VALUES (1, 'first')"
ivory_on $db copyschema
expect_status 0 "copyschema"

source_publications() { source_sql $db -c "SELECT count(*) FROM pg_publication"; }

LOCKER=
lock_subscription_tables() {
    psql -X -q -h "$HOST" -p "$TARGET_PORT" -U postgres -d $db -c "BEGIN" \
        -c "LOCK TABLE pg_catalog.pg_subscription_rel IN ACCESS EXCLUSIVE MODE" \
        -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
    LOCKER=$!
    if poll_until 30 subscription_tables_locked; then
        pass "pg_subscription_rel is locked by a session of the test"
    else
        fail "could not lock pg_subscription_rel within 30 s"
    fi
}
subscription_tables_locked() {
    [ "$(target_sql $db -c "SELECT count(*) FROM pg_locks WHERE granted
        AND relation = 'pg_catalog.pg_subscription_rel'::regclass
        AND mode = 'AccessExclusiveLock'")" = 1 ]
}

# Starts `ivory replication create` in the background ($CREATOR).
CREATOR=
start_create() {
    timeout 120 ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user ivory_tester \
        --source-password "$SOURCE_PASSWORD" --source-dbname $db --target-host "$HOST" \
        --target-port "$TARGET_PORT" --target-user postgres --target-dbname $db \
        replication create >"$TMPDIR/create.out" 2>"$TMPDIR/create.err" &
    CREATOR=$!
}

# The target backend of `ivory replication create`, once it waits for the
# lock with the slot made on the source.
CREATE_PID=
create_waits_after_slot() {
    [ "$(source_slots $db)" = 1 ] || return 1
    CREATE_PID=$(target_sql postgres -c "SELECT pid FROM pg_stat_activity WHERE datname = '$db'
        AND application_name = 'ivory' AND wait_event_type = 'Lock'")
    [ -n "$CREATE_PID" ]
}

hold_create_after_slot() { # name
    lock_subscription_tables
    start_create
    if poll_until 60 create_waits_after_slot; then
        pass "$1: create waits with the slot made on the source (backend $CREATE_PID)"
    else
        fail "$1: create never reached the point after the slot" "$(cat "$TMPDIR/create.err")"
    fi
}

expect_create_failed() { # name
    local status
    wait "$CREATOR"
    status=$?
    if [ "$status" = 1 ]; then
        pass "$1: the interrupted create exits 1"
    else
        fail "$1: the interrupted create exited $status" "$(cat "$TMPDIR/create.err")"
    fi
}

target_answers() { target_sql postgres -c "SELECT 1" >/dev/null 2>&1; }

# --- ended with pg_terminate_backend: the abort undoes the source's part ----------------
hold_create_after_slot "terminated"
target_sql postgres -c "SELECT pg_terminate_backend($CREATE_PID)" >/dev/null
expect_create_failed "terminated"
target_sql postgres -c "SELECT pg_terminate_backend($(target_sql postgres -c "SELECT pid FROM pg_stat_activity
    WHERE datname = '$db' AND query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()"))" >/dev/null
wait "$LOCKER" 2>/dev/null
if poll_until 10 no_source_slots $db; then
    pass "terminated: the abort dropped the slot on the source"
else
    fail "terminated: the slot is left on the source"
fi
expect_count 0 "$(source_publications)" "terminated: the abort dropped the publication on the source"
expect_count 0 "$(target_subscriptions $db)" "terminated: no subscription on the target"

# --- killed with SIGKILL: nothing is undone, create runs again ---------------------------
hold_create_after_slot "killed"
if kill -KILL "$CREATE_PID"; then
    pass "killed: the backend running create got SIGKILL"
else
    fail "killed: could not SIGKILL backend $CREATE_PID"
fi
expect_create_failed "killed"
wait "$LOCKER" 2>/dev/null
if poll_until 60 target_answers; then
    pass "killed: the target answers again after its restart"
else
    fail "killed: the target did not come back" "$(tail -5 "$IVORY_TEST_DIR/target.log")"
fi
expect_count 1 "$(source_slots $db)" "killed: the slot is left on the source"
expect_count 1 "$(source_publications)" "killed: the publication is left on the source"
expect_count 0 "$(target_subscriptions $db)" "killed: no subscription on the target"

replication $db create
expect_status 0 "create again after the kill"
expect_in "slot ivory_subscription: exists" "$ERR" "create again reuses the slot the killed one left"
expect_count 1 "$(source_publications)" "one publication on the source"
expect_count 1 "$(source_slots $db)" "one replication slot on the source"
expect_count 1 "$(target_subscriptions $db)" "one subscription on the target"
replication $db start
expect_status 0 "start after the kill"
expect_status_ok_within 90 $db "after the kill"
expect_tables_match_within 60 $db "after the kill"

drop_replication $db "after the kill"
ivory_objects_left $db "after the kill"

integration_summary
