#!/usr/bin/env bash
# CLI integration tests of `ivory replication create|start|status|stop|drop`:
# the installed `ivory` against the clusters that run_tests.sh started
# ($IVORY_TEST_DIR, $SOURCE_PORT, $TARGET_PORT). Each scenario has its own
# database pair and ends with `ivory replication drop`, so that slots do not
# pile up on the source. Prints "ok"/"not ok" per assertion and ends with
# "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh
REPLICATION_SECRET=Repl-Secret-77

# --- the original's lifecycle ---------------------------------------------------------
db=repl_life
fresh_source $db
source_sql $db -c "CREATE TABLE items (id int PRIMARY KEY, label text)" \
    -c "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g"
ivory_on $db copyschema
expect_status 0 "copyschema before the lifecycle"

REPLICATION_PASSWORD=$REPLICATION_SECRET replication $db create
expect_status 0 "replication create"
expect_in "role ivory_replicator: created" "$ERR" "create reports the role it created"
expect_in "publication ivory_publication: created" "$ERR" "create reports the publication"
expect_in "subscription ivory_subscription: created" "$ERR" "create reports the subscription"
expect_not_in "$REPLICATION_SECRET" "$OUT$ERR" "the replication password is not printed"
expect_not_in "$SOURCE_PASSWORD" "$OUT$ERR" "the source password is not printed"
if PGPASSWORD=$REPLICATION_SECRET psql -X -q -At -h "$HOST" -p "$SOURCE_PORT" \
    -U ivory_replicator -d $db -c "SELECT 1" >/dev/null 2>&1; then
    pass "the replication role logs in with the password from \$REPLICATION_PASSWORD"
else
    fail "the replication role does not log in with the password from \$REPLICATION_PASSWORD"
fi
replication $db create
expect_status 0 "replication create again"
expect_in "subscription ivory_subscription: exists" "$ERR" "the second create finds the subscription"
replication $db create --skip-checks
expect_status 0 "replication create --skip-checks"
replication $db create --drop-replication-user
expect_status 0 "replication create --drop-replication-user"
expect_count 1 "$(target_subscriptions $db "AND NOT subenabled")" \
    "create leaves one disabled subscription"

replication $db start
expect_status 0 "replication start"
expect_in "subscription ivory_subscription: started" "$ERR" "start says it started"
replication $db start
expect_status 0 "replication start again"
expect_in "already started" "$ERR" "the second start says it was already started"
replication $db start --fail-on-already-started
expect_status 1 "replication start --fail-on-already-started"
expect_in "already started" "$ERR" "start --fail-on-already-started says why it failed"
expect_status_ok_within 60 $db "lifecycle"
expect_in "table public.items: ready" "$ERR" "status names the table as ready"
expect_in "replication is ready" "$ERR" "status ends with a summary"
expect_not_in "$SOURCE_PASSWORD" "$OUT$ERR" "status does not print the source password"
# Without --source-* the function reaches the source through the subscription
# (run_tests.sh exports SOURCE_PORT, which would count as --source-port).
run env -u SOURCE_HOST -u SOURCE_PORT -u SOURCE_USER -u SOURCE_PASSWORD -u SOURCE_DBNAME \
    ivory --target-host "$HOST" --target-port "$TARGET_PORT" --target-user postgres \
    --target-dbname $db replication status
expect_status 0 "status through the subscription's own connection"
expect_in "slot ivory_subscription: active" "$ERR" "status shows the active slot"
log_lines=$(printf '%s\n' "$ERR" | grep -v '^$')
if ! printf '%s\n' "$log_lines" |
    grep -vqE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} \| (DEBUG|INFO|WARNING|ERROR|CRITICAL) +\| [a-z.]+ \| '; then
    pass "status lines have the log format"
else
    fail "status log line format" "$log_lines"
fi

replication $db stop
expect_status 0 "replication stop"
replication $db stop
expect_status 0 "replication stop again"
replication $db stop --fail-on-already-stopped
expect_status 1 "replication stop --fail-on-already-stopped"
expect_in "already stopped" "$ERR" "stop --fail-on-already-stopped says why it failed"
replication $db status
expect_status 1 "status of a stopped replication"
expect_in "subscription ivory_subscription: disabled" "$ERR" "status says the subscription is disabled"
replication $db start
expect_status 0 "replication start after stop"

subscription_oid=$(target_sql $db -c "SELECT s.oid FROM pg_subscription s
    JOIN pg_database d ON d.oid = s.subdbid AND d.datname = current_database()
    WHERE s.subname = 'ivory_subscription'")
replication $db drop
expect_status 0 "replication drop"
expect_in "subscription ivory_subscription: dropped" "$ERR" "drop reports the subscription"
expect_in "role ivory_replicator: dropped" "$ERR" "drop reports the role"
replication $db drop
expect_status 0 "replication drop again"
expect_in "publication ivory_publication: absent" "$ERR" "the second drop finds nothing"
expect_count 0 "$(target_subscriptions $db)" \
    "no subscription remains on the target"
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_publication")" \
    "no publication remains on the source"
expect_count 0 "$(source_slots $db)" "no replication slot remains on the source"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM pg_replication_origin
    WHERE roname = 'pg_$subscription_oid' OR roname LIKE 'pg\_${subscription_oid}\_%'")" \
    "no replication origin remains on the target"
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_roles WHERE rolname = 'ivory_replicator'")" \
    "the role ivory_replicator is gone from the source"

# --- data: initial copy, then inserts, updates and deletes ---------------------------
db=repl_data
fresh_source $db
source_sql $db -c "CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2))" \
    -c "INSERT INTO accounts SELECT g, 'owner ' || g, g * 1.5 FROM generate_series(1, 20000) g" \
    -c "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text, at timestamptz DEFAULT now())" \
    -c "INSERT INTO notes (body) SELECT md5(g::text) FROM generate_series(1, 500) g"
for extra in 1 2 3 4 5 6 7 8; do source_sql $db -c "CREATE TABLE extra_$extra (id int PRIMARY KEY)"; done
ivory_on $db copyschema
replication $db create
expect_status 0 "create with 20,000 rows on the source"
# Before start every table waits for its initial copy.
replication $db status --collapse-initializing-relations
expect_status 1 "status before start"
expect_in "10 tables initializing" "$ERR" "--collapse-initializing-relations folds the waiting tables into one line"
expect_not_in "table public.extra_1: initializing" "$ERR" "--collapse-initializing-relations has no line per waiting table"
replication $db status
expect_in "table public.extra_1: initializing" "$ERR" "without --collapse-initializing-relations each table has its line"
replication $db start
expect_status 0 "start with 20,000 rows on the source"
source_sql $db -c "INSERT INTO accounts SELECT g, 'new ' || g, g FROM generate_series(20001, 21000) g" \
    -c "UPDATE accounts SET balance = balance + 7, owner = owner || ' (updated)' WHERE id % 40 = 0 AND id <= 20000" \
    -c "DELETE FROM accounts WHERE id % 200 = 1 AND id <= 20000" \
    -c "INSERT INTO notes (body) VALUES ('after start')"
expect_count 1000 "$(source_sql $db -c "SELECT count(*) FROM accounts WHERE owner LIKE 'new %'")" \
    "1,000 rows inserted after start"
expect_count 500 "$(source_sql $db -c "SELECT count(*) FROM accounts WHERE owner LIKE '%(updated)'")" \
    "500 rows updated after start"
expect_count 20900 "$(source_sql $db -c "SELECT count(*) FROM accounts")" "100 rows deleted after start"
expect_status_ok_within 60 $db "data"
expect_tables_match_within 60 $db "inserts, updates and deletes after start"
replication $db drop
expect_status 0 "drop after the data test"

# --- under load: pgbench while the initial copy runs -----------------------------------
db=repl_load
fresh_source $db
pgbench -i -q -s 5 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db >"$TMPDIR/pgbench-init.log" 2>&1 ||
    fail "pgbench -i" "$(cat "$TMPDIR/pgbench-init.log")"
# pgbench_history has no primary key; its inserts replicate, and the check wants an identity.
source_sql $db -c "ALTER TABLE pgbench_history REPLICA IDENTITY FULL"
ivory_on $db copyschema
replication $db create
expect_status 0 "create before pgbench"
replication $db start
expect_status 0 "start before pgbench"
if pgbench -n -c 4 -T 20 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db >"$TMPDIR/pgbench.log" 2>&1; then
    pass "pgbench -c 4 -T 20 ran on the source during the initial copy ($(grep -oE 'number of transactions actually processed: [0-9]+' "$TMPDIR/pgbench.log"))"
else
    fail "pgbench -c 4 -T 20" "$(tail -20 "$TMPDIR/pgbench.log")"
fi
expect_status_ok_within 60 $db "under load"
expect_tables_match_within 60 $db "under load"
replication $db drop
expect_status 0 "drop after the load test"

# --- a 2-million-row table: progress while it is copied ------------------------------
db=repl_big
fresh_source $db
source_sql $db -c "CREATE TABLE big (id int PRIMARY KEY, payload text)" \
    -c "INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 2000000) g"
ivory_on $db copyschema
replication $db create
expect_status 0 "create with a 2-million-row table"
# The native copy (table-sync workers) runs after start returns; ivory's own
# copy is tested in integration_initial_copy.sh.
replication $db start --native-copy
expect_status 0 "start with a 2-million-row table (native copy)"
progress=""
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
    replication $db status
    # A percentage above zero: the bytes copied so far are counted.
    progress=$(printf '%s\n' "$ERR" | grep -E 'table public\.big: copying [0-9]*[1-9][0-9]*\.[0-9]%|table public\.big: copying 0\.[1-9]%' | head -1)
    [ "$STATUS" -eq 1 ] && [ -n "$progress" ] && break
    [ "$STATUS" -eq 0 ] && break
    sleep 0.5
done
if [ "$STATUS" -eq 1 ] && [ -n "$progress" ]; then
    pass "status exits 1 while the table is copied and shows its progress: ${progress#*| ivory.replication | }"
else
    fail "status during the copy: exit $STATUS, no progress line" "$ERR"
fi
expect_status_ok_within 180 $db "the 2-million-row table"
expect_count 2000000 "$(target_sql $db -c "SELECT count(*) FROM big")" "all 2,000,000 rows arrived"
replication $db drop
expect_status 0 "drop after the copy of the big table"

# --- drop during the initial copy ------------------------------------------------------
ivory_on $db copyschema
replication $db create
replication $db start --native-copy
expect_status 0 "start of a second copy of the big table (native copy)"
copying() { [ "$(target_sql $db -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate = 'd'")" -gt 0 ]; }
if wait_until 30 copying; then
    pass "the initial copy is running"
else
    fail "the initial copy did not begin within 30 s"
fi
replication $db drop
expect_status 0 "drop during the initial copy"
# A table-sync worker may still be exiting: give its slot a moment.
if wait_until 10 no_source_slots $db; then
    pass "drop during the initial copy leaves no slot of any kind on the source"
else
    fail "slots left on the source after drop during the copy" \
        "$(source_sql postgres -c "SELECT slot_name, slot_type, active FROM pg_replication_slots")"
fi
expect_count 0 "$(target_subscriptions $db)" \
    "drop during the initial copy leaves no subscription"

# --- create while the source is down ----------------------------------------------------
db=repl_down
fresh_source $db
source_sql $db -c "CREATE TABLE t (id int PRIMARY KEY)" -c "INSERT INTO t VALUES (1), (2)"
ivory_on $db copyschema
run ivory --source-host 127.0.0.1 --source-port 1 --source-user ivory_tester \
    --source-password "$SOURCE_PASSWORD" --source-dbname $db --target-host "$HOST" \
    --target-port "$TARGET_PORT" --target-user postgres --target-dbname $db replication create
expect_status 1 "create while the source is down"
expect_in "could not create replication" "$ERR" "create says what failed"
expect_in "Connection refused" "$ERR" "create gives libpq's reason"
expect_not_in "$SOURCE_PASSWORD" "$OUT$ERR" "the source password is not printed when it is down"
expect_count 0 "$(target_subscriptions $db)" \
    "create while the source is down leaves no subscription"
replication $db create
expect_status 0 "create once the source is back"
expect_count 1 "$(source_sql $db -c "SELECT count(*) FROM pg_publication")" "exactly one publication"
expect_count 1 "$(target_subscriptions $db)" "exactly one subscription"
expect_count 1 "$(source_slots $db)" "exactly one slot"
replication $db drop
expect_status 0 "drop after the source came back"

# --- hostile names ----------------------------------------------------------------------
# In the tables and in the publication and subscription names.
db=repl_hostile
publication='Pub "Q"'
subscription='Sub Ä'
fresh_source $db
source_sql $db <<'SQL'
CREATE SCHEMA "my schema";
CREATE TABLE "my schema"."we""ird" (id int PRIMARY KEY, v text);
CREATE TABLE "my schema"."Mixed Case" (id int PRIMARY KEY, v text);
CREATE TABLE "my schema"."ünïcode" (id int PRIMARY KEY, v text);
CREATE TABLE "my schema"."select" (id int PRIMARY KEY, v text);
INSERT INTO "my schema"."we""ird" SELECT g, 'before' FROM generate_series(1, 10) g;
INSERT INTO "my schema"."Mixed Case" SELECT g, 'before' FROM generate_series(1, 10) g;
INSERT INTO "my schema"."ünïcode" SELECT g, 'before' FROM generate_series(1, 10) g;
INSERT INTO "my schema"."select" SELECT g, 'before' FROM generate_series(1, 10) g;
SQL
ivory_on $db copyschema
expect_status 0 "copyschema of hostile names"
replication $db create --publication-name "$publication" --subscription-name "$subscription"
expect_status 0 "create with hostile table names"
expect_in 'publication Pub "Q": created' "$ERR" "create reports the publication by its name"
replication $db start --subscription-name "$subscription"
expect_status 0 "start with hostile table names"
source_sql $db <<'SQL'
INSERT INTO "my schema"."we""ird" VALUES (11, 'after start');
INSERT INTO "my schema"."Mixed Case" VALUES (11, 'after start');
INSERT INTO "my schema"."ünïcode" VALUES (11, 'after start');
INSERT INTO "my schema"."select" VALUES (11, 'after start');
SQL
expect_status_ok_within 60 $db "hostile names" --subscription-name "$subscription"
expect_in 'table "my schema"."Mixed Case": ready' "$ERR" "status names a hostile table as quoted"
expect_tables_match_within 60 $db "hostile names"
for table in '"we""ird"' '"Mixed Case"' '"ünïcode"' '"select"'; do
    expect_count 11 "$(target_sql $db -c "SELECT count(*) FROM \"my schema\".$table")" \
        "rows arrive in \"my schema\".$table"
done
replication $db stop --subscription-name "$subscription"
expect_status 0 "stop with a hostile subscription name"
replication $db drop --publication-name "$publication" --subscription-name "$subscription"
expect_status 0 "drop with hostile names"
expect_in 'subscription Sub Ä: dropped' "$ERR" "drop reports the subscription by its name"
expect_count 0 "$(source_slots $db)" "no slot remains after the hostile names"

integration_summary
