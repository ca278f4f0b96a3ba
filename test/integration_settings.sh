#!/usr/bin/env bash
# Every setting an ivory function changes is back at the caller's value when
# it returns, in a transaction block and outside one: the SET LOCAL of
# ivory's own work and of the schema dump must not outlive the call (a
# session_replication_role = replica left behind would skip the caller's
# triggers and foreign keys for the rest of the transaction). Against the
# clusters that run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

db=caller_settings
source_conninfo="host=$HOST port=$SOURCE_PORT user=postgres dbname=$db"

fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
INSERT INTO orders (note) SELECT 'o' || g FROM generate_series(1, 200) g;
SQL
target_sql postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db TEMPLATE template0"
target_sql $db -c "CREATE EXTENSION ivory"

# The settings that differ from the caller's, as "name: caller -> now".
changed_settings="SELECT 'changed: ' || coalesce(pg_catalog.string_agg(s.name || ': ' ||
    c.setting || ' -> ' || s.setting, ', ' ORDER BY s.name), '') FROM pg_catalog.pg_settings s
    JOIN caller_settings c USING (name) WHERE s.setting IS DISTINCT FROM c.setting"

# Runs `call` in one session after settings of the caller's own, inside
# BEGIN ... COMMIT and, unless told "transaction only", again on its own,
# and expects every setting as the caller left it after each.
expect_settings_kept() { # name call [transaction only]
    local name=$1 call=$2 mode=${3:-both} output
    local again="$call;"
    [ "$mode" = "transaction only" ] && again=""
    output=$(target_sql $db 2>&1 <<SQL
SET search_path = public, pg_temp;
SET client_min_messages = notice;
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Europe/Paris';
SET check_function_bodies = on;
SET row_security = on;
CREATE TEMP TABLE caller_settings AS SELECT name, setting FROM pg_catalog.pg_settings;
BEGIN;
$call;
$changed_settings;
SELECT 'session_replication_role: ' || pg_catalog.current_setting('session_replication_role');
COMMIT;
$again
$changed_settings;
SQL
)
    local in_transaction after
    in_transaction=$(printf '%s\n' "$output" | grep '^changed: ' | head -1)
    after=$(printf '%s\n' "$output" | grep '^changed: ' | tail -1)
    if [ "$(printf '%s\n' "$output" | grep -c '^changed: ')" -ne 2 ]; then
        fail "$name: the call failed" "$output"
        return
    fi
    expect_count "changed: " "$in_transaction" "$name: in a transaction block every setting is the caller's"
    expect_count "session_replication_role: origin" \
        "$(printf '%s\n' "$output" | grep '^session_replication_role: ')" \
        "$name: session_replication_role is the caller's after the call"
    if [ -n "$again" ]; then
        expect_count "changed: " "$after" "$name: after the transaction and a call outside one too"
    else
        expect_count "changed: " "$after" "$name: after the transaction too"
    fi
}

expect_settings_kept "check" "SELECT count(*) FROM ivory.check('$source_conninfo')"
expect_settings_kept "schema_diff" "SELECT count(*) FROM ivory.schema_diff('$source_conninfo')"
expect_settings_kept "copy_schema" "SELECT count(*) FROM ivory.copy_schema('$source_conninfo')" \
    "transaction only"
expect_settings_kept "replication_create" \
    "SELECT count(*) FROM ivory.replication_create('$source_conninfo')"
expect_settings_kept "replication_start (with the initial copy)" \
    "SELECT ivory.replication_start(wait => true)" "transaction only"
if wait_until 60 tables_match $db; then pass "the tables were copied"; else fail "tables differ:$MISMATCHED"; fi
expect_settings_kept "replication_status" "SELECT count(*) FROM ivory.replication_status()"
expect_settings_kept "replication_stop" "SELECT ivory.replication_stop()"
expect_settings_kept "replication_start (no copy)" "SELECT ivory.replication_start()"
expect_settings_kept "sync_sequences" \
    "SELECT count(*) FROM ivory.sync_sequences('$source_conninfo', sample_pause => 0)"
expect_settings_kept "verify_data" "SELECT count(*) FROM ivory.verify_data('$source_conninfo')"
expect_settings_kept "switchover" "SELECT count(*) FROM ivory.switchover('$source_conninfo')" \
    "transaction only"
expect_settings_kept "unlock_source" "SELECT ivory.unlock_source('$source_conninfo')"
expect_settings_kept "replication_drop" \
    "SELECT count(*) FROM ivory.replication_drop('$source_conninfo')"

integration_summary
