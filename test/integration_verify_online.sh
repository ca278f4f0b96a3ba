#!/usr/bin/env bash
# CLI integration tests of verify and switchover while the application
# writes: `ivory verify` under pgbench load gives a true verdict (rows in
# flight are not differences, a row deleted on the target is), switchover
# names what would hold up its lock before taking it, and with --force and
# --verify-in-window it completes under load with every committed row on the
# target. Against the clusters that run_tests.sh started. Prints "ok"/"not ok"
# per assertion and ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

db=verify_online
pgbench_source $db 2 \
    -c "CREATE TABLE notes (body text)" -c "ALTER TABLE notes REPLICA IDENTITY FULL" \
    -c "INSERT INTO notes SELECT 'note ' || g FROM generate_series(1, 500) g"
replicate $db "online"

# A target held back (its apply waits for a row lock of a session there)
# while the source writes: verify gives up after one whole wait, leaves the
# tables open, says why, and does not wait again for every range.
{
    echo "BEGIN; SELECT * FROM pgbench_branches WHERE bid = 1 FOR UPDATE;"
    sleep 90
} | psql -X -q -h "$HOST" -p "$TARGET_PORT" -U postgres -d $db >/dev/null 2>&1 &
stall_pid=$!
sleep 2
source_sql $db -c "UPDATE pgbench_branches SET bbalance = bbalance + 1 WHERE bid = 1" \
    -c "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 1000 = 7"
started=$(date +%s)
ivory_on $db verify
elapsed=$(($(date +%s) - started))
expect_in "fell more than 30 s behind the writes" "$ERR" \
    "verify on a target held back says it fell behind"
expect_not_in "differs" "$ERR" "verify on a target held back calls nothing a difference"
if [ "$elapsed" -lt 75 ]; then
    pass "verify on a target held back ends after one wait ($elapsed s)"
else
    fail "verify on a target held back took $elapsed s"
fi
target_sql $db -c "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
    WHERE query LIKE '%FOR UPDATE%' AND pid <> pg_catalog.pg_backend_pid()" >/dev/null
kill "$stall_pid" 2>/dev/null
wait "$stall_pid" 2>/dev/null

# The standard TPC-B-like load: every transaction updates the one branch row
# of its branch, so two of them are hot rows that change all the time.
pgbench -n -c 4 -T 240 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db \
    >"$TMPDIR/pgbench.out" 2>&1 &
pgbench_pid=$!
sleep 3

for round in 1 2 3 4 5; do
    ivory_on $db verify
    expect_status 0 "verify under pgbench load, round $round"
    expect_in "5 tables match" "$ERR" "verify under load, round $round: every table matches"
    expect_not_in "still changing" "$ERR" "verify under load, round $round: no table left open"
done

# A real difference under load: one row deleted on the target.
target_sql $db -c "DELETE FROM pgbench_accounts WHERE aid = 142424"
ivory_on $db verify
expect_status 1 "verify with a row deleted on the target, under load"
expect_in "table public.pgbench_accounts: differs" "$ERR" "verify names the table"
expect_in "aid 100000..199999" "$ERR" "verify names the key range"
expect_in "aid 142424 missing on the target" "$ERR" "verify names the row"
expect_in "1 of 5 tables differs: public.pgbench_accounts" "$ERR" "only that table differs"
# The row back, then the source's own update of it carries its latest value.
target_sql $db -c "INSERT INTO pgbench_accounts VALUES (142424, 2, 0, '')"
source_sql $db -c "UPDATE pgbench_accounts SET filler = filler WHERE aid = 142424"
ivory_on $db verify --jobs 3
expect_status 0 "verify --jobs 3 once the row is back"

# A session idle in a transaction on the source holds up the lock: named, and
# nothing locked.
{
    echo "BEGIN; SELECT count(*) FROM notes;"
    sleep 60
} | psql -X -q -h "$HOST" -p "$SOURCE_PORT" -U postgres -d $db >/dev/null 2>&1 &
idle_pid=$!
sleep 3
ivory_on $db switchover --max-lag 16000000 --timeout 120
expect_status 1 "switchover with a session idle in a transaction"
expect_in "idle in transaction" "$ERR" "switchover names the idle session before the lock"
expect_in "The source was not locked" "$ERR" "switchover says it locked nothing"
run psql -X -q -At -h "$HOST" -p "$SOURCE_PORT" -U postgres -d $db \
    -c "INSERT INTO notes VALUES ('still writable')"
expect_status 0 "the source stays writable after the refused switchover"

# --force locks anyway (ending that session); --verify-in-window verifies
# every table again inside the window.
ivory_on $db switchover --max-lag 16000000 --timeout 120 --force --verify-in-window
expect_status 0 "switchover --force --verify-in-window under load"
for step in "check blockers: " "forced past: " "verify data online: " "lock source: " \
    "wait for final position: " "verify data: " "the source was read-only for "; do
    expect_in "$step" "$ERR" "switchover reports '${step%: }'"
done
kill "$idle_pid" 2>/dev/null
wait "$idle_pid" 2>/dev/null
expect_committed_rows_after_switchover "$pgbench_pid" $db
next_id=$(target_sql $db -c "SELECT nextval('pgbench_history_id_seq')")
max_id=$(source_sql $db -c "SELECT max(id) FROM pgbench_history")
if [ "$next_id" -gt "$max_id" ]; then
    pass "the target's sequence continues after the source's last value ($next_id > $max_id)"
else
    fail "the target's sequence would repeat a value: $next_id <= $max_id"
fi
ivory_on $db unlock-source
expect_status 0 "unlock-source"

integration_summary
