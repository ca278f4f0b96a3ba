#!/usr/bin/env bash
# CLI integration tests of the cut-over: `ivory syncsequences`, `ivory verify`,
# `ivory switchover` and `ivory unlock-source`, the installed `ivory` against
# the clusters that run_tests.sh started ($IVORY_TEST_DIR, $SOURCE_PORT,
# $TARGET_PORT). Each scenario has its own database pair, goes through
# copyschema and `replication create/start`, and ends with the replication
# dropped and the source writable. Prints "ok"/"not ok" per assertion and ends
# with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

# Every sequence with its last value, "name=value" per line.
sequence_values() { # port database
    sql "$1" "$2" -c "SELECT format('%s.%s=%s', schemaname, sequencename,
                             coalesce(last_value::text, 'unused'))
                      FROM pg_sequences ORDER BY 1"
}

# Whether a new session on the source may write.
source_insert() { # database sql
    run psql -X -q -At -h "$HOST" -p "$SOURCE_PORT" -U postgres -d "$1" -v ON_ERROR_STOP=1 -c "$2"
}

# --- sequences ---------------------------------------------------------------------------
db=cut_sequences
fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE SEQUENCE plain;
CREATE SEQUENCE busy;
CREATE SEQUENCE never_used;
CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
CREATE TABLE ser (id serial PRIMARY KEY, v text);
INSERT INTO ident (v) SELECT 'row ' || g FROM generate_series(1, 5) g;
INSERT INTO ser (v) SELECT 'row ' || g FROM generate_series(1, 7) g;
SELECT nextval('busy') FROM generate_series(1, 10);
SQL
replicate $db "sequences"
source_sql $db -c "SELECT nextval('plain')" -c "SELECT nextval('plain')" \
    -c "SELECT nextval('plain')" >/dev/null

before=$(sequence_values "$TARGET_PORT" $db)
ivory_on $db syncsequences --equal --dry-run
expect_status 0 "syncsequences --equal --dry-run"
expect_in "sequence public.plain: would set to 3" "$ERR" "the dry run says what it would set"
expect_in "nothing changed" "$ERR" "the dry run says it changed nothing"
if [ "$(sequence_values "$TARGET_PORT" $db)" = "$before" ]; then
    pass "--dry-run leaves every target sequence as it was"
else
    fail "--dry-run changed target sequences" "$(sequence_values "$TARGET_PORT" $db)"
fi
ivory_on $db syncsequences -n --fixed-offset 1000
expect_status 0 "syncsequences -n --fixed-offset 1000"
if [ "$(sequence_values "$TARGET_PORT" $db)" = "$before" ]; then
    pass "-n with an offset leaves every target sequence as it was"
else
    fail "-n with an offset changed target sequences" "$(sequence_values "$TARGET_PORT" $db)"
fi

ivory_on $db syncsequences --equal
expect_status 0 "syncsequences --equal"
expect_in "sequence public.plain: set to 3 (source at 3)" "$ERR" "--equal reports the value set"
expect_in "public.ident_id_seq" "$ERR" "--equal names the identity column's sequence"
expect_in "public.ser_id_seq" "$ERR" "--equal names the serial column's sequence"
expect_count "$(source_sql $db -c "SELECT last_value FROM plain")" \
    "$(target_sql $db -c "SELECT nextval('plain') - 1")" \
    "--equal after three nextval: the target's nextval - 1 is the source's last value"
expect_count 6 "$(target_sql $db -c "INSERT INTO ident (v) VALUES ('on the target') RETURNING id")" \
    "the identity column's sequence continues after the source's 5 rows"
expect_count 8 "$(target_sql $db -c "INSERT INTO ser (v) VALUES ('on the target') RETURNING id")" \
    "the serial column's sequence continues after the source's 7 rows"
expect_count 1 "$(target_sql $db -c "SELECT nextval('never_used')")" \
    "--equal leaves a sequence the source never used unused"

# --fixed-offset 0 with increments during the pause: the target lands at or
# beyond the source's value plus those increments. The loop starts after the
# first sample and ends well before the second.
busy_before=$(source_sql $db -c "SELECT last_value FROM busy")
(
    sleep 0.3
    for _ in $(seq 1 15); do source_sql $db -c "SELECT nextval('busy')" >/dev/null; done
) &
loop=$!
ivory_on $db syncsequences --fixed-offset 0 --sample-pause 2
wait "$loop"
expect_status 0 "syncsequences --fixed-offset 0 --sample-pause 2"
busy_after=$(source_sql $db -c "SELECT last_value FROM busy")
increments=$((busy_after - busy_before))
busy_target=$(target_sql $db -c "SELECT last_value FROM busy")
if [ "$increments" -gt 0 ] && [ "${busy_target:-0}" -ge $((busy_after + increments)) ]; then
    pass "--fixed-offset 0: target $busy_target >= source $busy_after + $increments increments"
else
    fail "--fixed-offset 0: target ${busy_target:-none}, source $busy_after, $increments increments" "$ERR"
fi

ivory_on $db syncsequences --sequence-offset public.plain:50 --sequence-offset ser_id_seq:7 \
    --sample-pause 0
expect_status 0 "syncsequences --sequence-offset"
expect_count 53 "$(target_sql $db -c "SELECT last_value FROM plain")" \
    "--sequence-offset schema.name:N sets that sequence N ahead"
expect_count 14 "$(target_sql $db -c "SELECT last_value FROM ser_id_seq")" \
    "--sequence-offset name:N (in public) sets that sequence N ahead"
expect_count 100 "$(($(target_sql $db -c "SELECT last_value FROM busy") - \
    $(source_sql $db -c "SELECT last_value FROM busy")))" \
    "the other sequences get the default offset of 100"

source_sql $db -c "CREATE SEQUENCE only_on_source"
ivory_on $db syncsequences --equal
expect_status 1 "syncsequences with a sequence missing on the target"
expect_in "only_on_source" "$ERR" "the missing sequence is named"
drop_replication $db "sequences"

# --- verify after a replicated pgbench run ---------------------------------------------
db=cut_verify
fresh_source $db
pgbench -i -q -s 1 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db >/dev/null 2>&1
source_sql $db -c "ALTER TABLE pgbench_history REPLICA IDENTITY FULL"
replicate $db "verify"
pgbench -T 5 -c 2 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db >/dev/null 2>&1
if wait_until 90 tables_match $db; then
    pass "verify: the pgbench tables match row for row after the run"
else
    fail "verify: tables differ after 90 s:$MISMATCHED"
fi
ivory_on $db verify
expect_status 0 "verify after a replicated pgbench run"
for table in pgbench_accounts pgbench_branches pgbench_history pgbench_tellers; do
    expect_count 1 "$(printf '%s\n' "$ERR" | grep -cE "\| INFO +\| ivory.verify \| table public.$table: [0-9]+ rows?, matches")" \
        "verify: one matching row for $table"
done
expect_in "4 tables match" "$ERR" "verify ends with a summary"
expect_not_in "$SOURCE_PASSWORD" "$OUT$ERR" "verify does not print the source password"

ivory_on $db replication stop
target_sql $db -c "DELETE FROM pgbench_accounts WHERE aid = 4242"
ivory_on $db verify
expect_status 1 "verify after deleting a row on the target"
expect_in "table public.pgbench_accounts: differs: 100000 rows on the source, 99999 on the target" \
    "$ERR" "verify names the table that differs with its row counts"
expect_in "aid 0..99999: aid 4242 missing on the target" "$ERR" "verify names the key range that differs"
expect_count 1 "$(printf '%s\n' "$ERR" | grep -cE '\| ERROR +\| ivory.verify \| table ')" \
    "verify: only that table is an ERROR"
expect_in "1 of 4 tables differs: public.pgbench_accounts" "$ERR" "the summary names the table"
drop_replication $db "verify"

# --- switchover while pgbench writes -----------------------------------------------------
db=cut_switch
fresh_source $db
pgbench -i -q -s 1 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db >/dev/null 2>&1
source_sql $db -c "ALTER TABLE pgbench_history REPLICA IDENTITY FULL" \
    -c "CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())"
replicate $db "switchover"
cat >"$TMPDIR/switchover.pgbench" <<'SCRIPT'
\set aid random(1, 100000)
\set bid 1
\set tid random(1, 10)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
INSERT INTO events DEFAULT VALUES;
END;
SCRIPT
pgbench_started=$SECONDS
pgbench -n -c 2 -T 30 -f "$TMPDIR/switchover.pgbench" -h "$HOST" -p "$SOURCE_PORT" \
    -U postgres $db >"$TMPDIR/pgbench.out" 2>&1 &
pgbench_pid=$!
sleep 3
started=$SECONDS
# The lag never reaches 0 while pgbench writes: lock once it is small.
ivory_on $db switchover --max-lag 16000000 --timeout 120
expect_status 0 "switchover while pgbench writes"
switchover_took="switchover took $((SECONDS - started)) s: $(printf '%s\n' "$ERR" | grep -E ': [0-9.]+ s')"
for step in "wait for sync: " "check blockers: " "verify data online: " "lock source: " \
    "wait for final position: " "sync sequences: " "copy large objects: " "compare row counts: " \
    "drop replication: " \
    "the source was read-only for "; do
    expect_in "$step" "$ERR" "switchover reports the step '${step%: }' with its seconds"
done
# pgbench's sessions were ended by the lock; give it a moment to notice.
for _ in $(seq 1 40); do kill -0 "$pgbench_pid" 2>/dev/null || break; sleep 1; done
kill "$pgbench_pid" 2>/dev/null
wait "$pgbench_pid" 2>/dev/null
pgbench_ran=$((SECONDS - pgbench_started))
if [ "$pgbench_ran" -lt 28 ]; then
    pass "pgbench was writing until the lock ended its sessions (after $pgbench_ran s of 30)"
else
    fail "pgbench ran its full 30 s: the switchover did not lock the source while it wrote" \
        "$(tail -5 "$TMPDIR/pgbench.out"; echo "$switchover_took")"
fi
if [ "$(source_sql $db -c "SELECT count(*) FROM events")" -gt 0 ]; then
    pass "pgbench wrote to the source before the switchover"
else
    fail "pgbench wrote nothing" "$(cat "$TMPDIR/pgbench.out")"
fi
source_insert $db "INSERT INTO events DEFAULT VALUES"
if [ "$STATUS" -ne 0 ] && printf '%s' "$ERR" | grep -q "read-only"; then
    pass "after the switchover the source rejects writes of a new session"
else
    fail "the source accepted a write after the switchover (exit $STATUS)" "$ERR"
fi
if tables_match $db; then
    pass "after the switchover every table on the target equals the source row for row"
else
    fail "tables differ after the switchover:$MISMATCHED"
fi
source_events=$(source_sql $db -c "SELECT last_value FROM events_id_seq")
target_next=$(target_sql $db -c "SELECT nextval('events_id_seq')")
if [ -n "$source_events" ] && [ "${target_next:-0}" -gt "$source_events" ]; then
    pass "the target's sequence continues past the source's ($target_next > $source_events)"
else
    fail "target nextval ${target_next:-none}, source last_value ${source_events:-none}"
fi
ivory_objects_left $db "switchover"
ivory_on $db unlock-source
expect_status 0 "unlock-source after the switchover"
source_insert $db "INSERT INTO events DEFAULT VALUES"
expect_status 0 "after unlock-source a new session writes to the source"

# --- switchover while the target cannot catch up -----------------------------------------
db=cut_timeout
fresh_source $db
source_sql $db -c "CREATE TABLE t (id int PRIMARY KEY, v text)" \
    -c "INSERT INTO t SELECT g, 'before' FROM generate_series(1, 100) g"
replicate $db "timeout"
ivory_on $db replication stop
expect_status 0 "timeout: replication stop"
source_sql $db -c "INSERT INTO t SELECT g, 'after stop' FROM generate_series(101, 200) g"
started=$SECONDS
ivory_on $db switchover --timeout 5
elapsed=$((SECONDS - started))
expect_status 1 "switchover --timeout 5 while the target cannot catch up"
if [ "$elapsed" -le 10 ]; then
    pass "switchover --timeout 5 gives up within 10 s ($elapsed s)"
else
    fail "switchover --timeout 5 took $elapsed s"
fi
expect_in "timed out" "$ERR" "switchover says it timed out"
expect_in "unlock-source" "$ERR" "switchover says how to undo the lock"
expect_not_in "$SOURCE_PASSWORD" "$OUT$ERR" "switchover does not print the source password"
ivory_on $db unlock-source
expect_status 0 "unlock-source after the timeout"
source_insert $db "INSERT INTO t VALUES (1000, 'after unlock')"
expect_status 0 "after unlock-source a new session writes to the source"
ivory_on $db unlock-source
expect_status 0 "unlock-source again"
drop_replication $db "timeout"
ivory_objects_left $db "timeout"

# --- switchover failing with a server error while the source is locked -------------------
# A target sequence whose maximum lies below the source's value: setval, in
# the target's own session, raises an error after the lock.
db=cut_server_error
fresh_source $db
source_sql $db -c "CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)" \
    -c "INSERT INTO t SELECT FROM generate_series(1, 50)"
replicate $db "server error"
target_sql $db -c "ALTER SEQUENCE t_id_seq MAXVALUE 10" >/dev/null
ivory_on $db switchover --timeout 60
expect_status 1 "switchover that fails on a target sequence's maximum"
expect_in "out of bounds for sequence" "$ERR" "switchover shows the server's error"
expect_in "HINT: Run ivory.unlock_source(source)" "$ERR" \
    "a server error inside the read-only window keeps the hint to unlock the source"
expect_in "during switchover" "$ERR" "the server error names the switchover as its context"
ivory_on $db unlock-source
expect_status 0 "unlock-source after the server error"
drop_replication $db "server error"
ivory_objects_left $db "server error"

# --- usage -------------------------------------------------------------------------------
run ivory switchover --timeout soon
expect_status 2 "switchover --timeout soon is a usage error"
run ivory syncsequences --sequence-offset nocolon
expect_status 2 "syncsequences --sequence-offset without :N is a usage error"

integration_summary
