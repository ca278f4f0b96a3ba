#!/usr/bin/env bash
# CLI integration tests of the way back. `switchover --reverse` under pgbench
# load ends with a replication from the target (the new primary) to the old
# source, starting at the switch point and copying nothing: pgbench then
# writes on the new primary, its rows arrive on the old one, which stays
# read-only for everyone else. `switchback` with pgbench still writing
# returns: every committed row on both sides, the sequences continue, nothing
# of ivory is left. `switchover --dry-run --reverse` makes nothing, a way back
# that cannot be made stops switchover before the lock, and `replication drop
# --reverse` gives a way back up. Against the clusters that run_tests.sh
# started. Prints "ok"/"not ok" per assertion and ends with
# "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

# The way back's objects: the subscription on the source, the slot and the
# publication on the target.
way_back_objects() { # database
    echo "$(source_sql "$1" -c "SELECT count(*) FROM pg_subscription
        WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")" \
        "$(target_sql postgres -c "SELECT count(*) FROM pg_replication_slots WHERE database = '$1'")" \
        "$(target_sql "$1" -c "SELECT count(*) FROM pg_publication")"
}

source_insert() { # database statement: run as postgres in a new session
    run psql -X -q -At -v ON_ERROR_STOP=1 -h "$HOST" -p "$SOURCE_PORT" -U postgres -d "$1" -c "$2"
}

# --- a way back given up, a rehearsal, a refusal ----------------------------------
db=way_back_drop
fresh_source $db
source_sql $db -c "CREATE TABLE items (id serial PRIMARY KEY, name text)" \
    -c "INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 50) g"
replicate $db "way back drop"

ivory_on $db switchover --dry-run --reverse
expect_status 0 "switchover --dry-run --reverse"
expect_in "create reverse replication: " "$ERR" "the rehearsal names the way back's step"
expect_in "not created (dry run)" "$ERR" "the rehearsal makes no way back"
expect_count "0 0 0" "$(way_back_objects $db)" "the rehearsal left no object of the way back"

# A publication of that name on the target: refused before the lock.
target_sql $db -c "CREATE PUBLICATION ivory_publication"
ivory_on $db switchover --reverse
expect_status 1 "switchover --reverse with the way back's publication taken"
expect_in 'publication ivory_publication exists on the target already' "$ERR" \
    "the taken publication is named"
source_insert $db "INSERT INTO items (name) VALUES ('still writable')"
expect_status 0 "the refused switchover left the source writable"
expect_count 1 "$(target_subscriptions $db)" "the refused switchover left the replication"
target_sql $db -c "DROP PUBLICATION ivory_publication"

ivory_on $db switchover --reverse
expect_status 0 "switchover --reverse"
expect_in "the source follows the target through the way back" "$ERR" \
    "switchover says the source follows the target"
expect_count "1 1 1" "$(way_back_objects $db)" \
    "the way back: a subscription on the source, a slot and a publication on the target"
expect_count 0 "$(target_subscriptions $db)" "the forward subscription is gone"
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_publication")" \
    "the forward publication is gone"
expect_count t "$(source_sql $db -c "SELECT subenabled AND subslotname IS NOT NULL
    FROM pg_subscription WHERE subname = 'ivory_subscription'")" \
    "the source's subscription is enabled with its slot"
target_sql $db -c "INSERT INTO items (name) VALUES ('on the new primary')"
arrived() { [ "$(source_sql $db -c "SELECT count(*) FROM items WHERE name = 'on the new primary'")" = 1 ]; }
if wait_until 30 arrived; then
    pass "a row written on the new primary arrives on the old one"
else
    fail "a row written on the new primary did not arrive on the old one" \
        "$(tail -15 "$IVORY_TEST_DIR/source.log"; tail -15 "$IVORY_TEST_DIR/target.log")"
fi
expect_count 1 "$(source_sql $db -c "SELECT count(*) FROM items WHERE name = 'still writable'")" \
    "the old source kept its own rows"

ivory_on $db replication drop --reverse
expect_status 0 "replication drop --reverse"
expect_in "the way back is given up; the source stays read-only" "$ERR" \
    "drop --reverse says the source stays read-only"
expect_count "0 0 0" "$(way_back_objects $db)" "drop --reverse left no object of the way back"
source_insert $db "INSERT INTO items (name) VALUES ('after the drop')"
expect_status 1 "the source stays read-only after drop --reverse"
ivory_on $db replication drop --reverse
expect_status 0 "replication drop --reverse again"
expect_in "absent" "$ERR" "the second drop finds the way back absent"
ivory_on $db switchback
expect_status 1 "switchback without a way back"
expect_in "there is no way back" "$ERR" "switchback says there is no way back"
ivory_on $db unlock-source
expect_status 0 "unlock-source after drop --reverse"
# (Its sequences stayed where the switchover left them: a way back given up
# is no switchback.)
source_insert $db "INSERT INTO items (id, name) VALUES (1000, 'after the unlock')"
expect_status 0 "the source is writable after unlock-source"

# --- switchover --reverse and switchback under pgbench --------------------------
db=way_back
pgbench_source $db 1 -c "CREATE TABLE orders (id bigserial PRIMARY KEY, note text)" \
    -c "INSERT INTO orders (note) SELECT 'before ' || g FROM generate_series(1, 100) g"
replicate $db "way back"

printf '%s\n' "INSERT INTO orders (note) VALUES ('pgbench');" >"$TMPDIR/orders.sql"
pgbench_on() { # port
    pgbench -n -c 4 -T 90 -R 100 -b tpcb-like -f "$TMPDIR/orders.sql" -h "$HOST" -p "$1" \
        -U postgres $db >"$TMPDIR/pgbench.out" 2>&1 &
    pgbench_pid=$!
}

pgbench_on "$SOURCE_PORT"
sleep 3
ivory_on $db switchover --reverse --timeout 120
expect_status 0 "switchover --reverse under pgbench load"
expect_in "create reverse replication: " "$ERR" "switchover reports the way back made"
expect_in "start reverse replication: " "$ERR" "switchover reports the way back started"
expect_committed_rows_after_switchover "$pgbench_pid" $db
source_insert $db "INSERT INTO orders (note) VALUES ('written on the old source')"
expect_status 1 "the old source is read-only for everyone else"
expect_in "read-only transaction" "$ERR" "the old source refuses the write as read-only"

# The application moves: pgbench on the new primary.
pgbench_on "$TARGET_PORT"
sleep 5
newest=$(target_sql $db -c "SELECT max(id) FROM orders")
on_old() { [ "$(source_sql $db -c "SELECT count(*) FROM orders WHERE id = $newest")" = 1 ]; }
if [ -n "$newest" ] && wait_until 30 on_old; then
    pass "rows written on the new primary arrive on the old one (orders up to $newest)"
else
    fail "order $newest of the new primary did not arrive on the old one"
fi
if kill -0 "$pgbench_pid" 2>/dev/null; then
    pass "pgbench writes on the new primary"
else
    fail "pgbench stopped on the new primary" "$(tail -5 "$TMPDIR/pgbench.out")"
fi

ivory_on $db switchback --timeout 120
expect_status 0 "switchback with pgbench still writing"
for step in "wait for sync: " "check blockers: " "lock target: " "wait for final position: " \
    "sync sequences: " "compare row counts: " "drop reverse replication: " "unlock source: " \
    "the target was read-only for " "switchback complete"; do
    expect_in "$step" "$ERR" "switchback reports '${step%: }'"
done
expect_committed_rows_after_switchover "$pgbench_pid" $db
highest=$(target_sql $db -c "SELECT max(id) FROM orders")
source_insert $db "INSERT INTO orders (note) VALUES ('after the switchback') RETURNING id"
expect_status 0 "the old source is writable again"
if [ -n "$OUT" ] && [ -n "$highest" ] && [ "$OUT" -gt "$highest" ]; then
    pass "the old source's sequence continues after the new primary's ($OUT > $highest)"
else
    fail "the old source's next order is ${OUT:-none}, not after $highest"
fi
run psql -X -q -At -v ON_ERROR_STOP=1 -h "$HOST" -p "$TARGET_PORT" -U postgres -d $db \
    -c "INSERT INTO orders (note) VALUES ('on the target after the switchback')"
expect_status 1 "the target stays read-only after the switchback"
expect_count "0 0 0" "$(way_back_objects $db)" "switchback left no object of the way back"
ivory_objects_left $db "after switchback"

integration_summary
