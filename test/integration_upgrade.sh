#!/usr/bin/env bash
# CLI integration tests of the extension's upgrade path: a replication set up
# with the first released version (0.1.0) keeps running through
# ALTER EXTENSION ivory UPDATE; the command refuses an extension version it
# does not match; the monitoring view of the new version. Against the
# clusters that run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh
CURRENT=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$(dirname "$0")/../ivory.control")
FIRST=0.1.0
db=upgrade_path
source_conninfo="host=$HOST port=$SOURCE_PORT user=ivory_tester password=$SOURCE_PASSWORD dbname=$db"

fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL);
INSERT INTO accounts SELECT g, g * 10 FROM generate_series(1, 1000) g;
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
INSERT INTO events (note) SELECT 'e' || g FROM generate_series(1, 500) g;
SQL
target_sql postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db TEMPLATE template0"
target_sql $db -c "CREATE EXTENSION ivory VERSION '$FIRST'"
expect_count $FIRST "$(target_sql $db -c "SELECT extversion FROM pg_extension WHERE extname = 'ivory'")" \
    "the first released version installs"

# --- the command refuses an extension it does not match --------------------------------------
ivory_on $db check
expect_status 1 "check against extension $FIRST"
expect_in "has version $FIRST, this ivory needs $CURRENT" "$ERR" "the command names both versions"
expect_in "ALTER EXTENSION ivory UPDATE TO '$CURRENT'" "$ERR" "the command tells how to update"

# --- a replication set up and running with the first version's functions -----------------------
expect_count 5 "$(target_sql $db -c "SELECT sum(created) FROM ivory.copy_schema('$source_conninfo')")" \
    "$FIRST: copy_schema copies the two tables, their keys and the identity sequence"
target_sql $db -c "SELECT count(*) FROM ivory.replication_create('$source_conninfo')" >/dev/null
target_sql $db -c "SELECT ivory.replication_start()" >/dev/null
expect_count enabled "$(target_sql $db -c "SELECT state FROM ivory.replication_status() WHERE item = 'subscription'")" \
    "$FIRST: the replication is started"
expect_tables_match_within 60 $db "$FIRST: after the initial copy"

# --- the update, with the replication running ---------------------------------------------------
source_sql $db -c "INSERT INTO events (note) SELECT 'before update ' || g FROM generate_series(1, 100) g" >/dev/null
target_sql $db -c "ALTER EXTENSION ivory UPDATE"
expect_count $CURRENT "$(target_sql $db -c "SELECT extversion FROM pg_extension WHERE extname = 'ivory'")" \
    "ALTER EXTENSION ivory UPDATE reaches $CURRENT"
expect_count $CURRENT "$(target_sql $db -c "SELECT ivory.version()")" "ivory.version() is the library's"
expect_status_ok_within 60 $db "after the update"
source_sql $db -c "UPDATE accounts SET balance = balance + 1 WHERE id % 3 = 0" \
    -c "INSERT INTO events (note) SELECT 'after update ' || g FROM generate_series(1, 100) g" >/dev/null
expect_tables_match_within 60 $db "changes before and after the update"

# --- the monitoring view -----------------------------------------------------------------------------
overview() {
    target_sql $db -F ' ' -c "SELECT subscription, state, ok, tables_ready, tables_total,
        lag_bytes IS NOT NULL AND lag_bytes >= 0, last_reply_age_seconds BETWEEN 0 AND 300
        FROM ivory.replication_overview"
}
streaming_overview() { [ "$(overview)" = "ivory_subscription streaming t 2 2 t t" ]; }
if wait_until 60 streaming_overview; then
    pass "replication_overview: one row, streaming, ok, 2 of 2 tables ready, a lag in bytes, a recent reply"
else
    fail "replication_overview: expected 'ivory_subscription streaming t 2 2 t t'" "$(overview 2>&1)"
fi
expect_count "f" "$(target_sql $db -c "SELECT has_table_privilege('public', 'ivory.replication_overview', 'SELECT')")" \
    "replication_overview is not readable by PUBLIC"
replication $db stop
expect_status 0 "replication stop"
expect_in "stopped" "$(target_sql $db -c "SELECT state || ' ' || ok FROM ivory.replication_overview")" \
    "replication_overview shows the stopped subscription"
drop_replication $db "upgrade"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM ivory.replication_overview")" \
    "replication_overview is empty once the replication is dropped"
ivory_objects_left $db "upgrade"

integration_summary
