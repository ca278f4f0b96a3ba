#!/usr/bin/env bash
# Credentials out of logs: with log_statement = 'all' on the target, the CLI's
# replication create with a source password and a replication password leaves
# neither in the target's server log.
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_SECRET=right-Secret-42 # ivory_tester's, set up by run_tests.sh
REPLICATION_SECRET=Repl-Secret-77-xyz
TARGET_LOG="$IVORY_TEST_DIR/target.log"

target_sql postgres -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
fresh_pair credentials
source_sql credentials -c "CREATE TABLE secrets_kept (id int PRIMARY KEY)"
over_tcp=(--source-host 127.0.0.1 --source-port "$SOURCE_PORT" --source-user ivory_tester
    --source-password "$SOURCE_SECRET" --source-dbname credentials
    --target-host "$HOST" --target-port "$TARGET_PORT" --target-user postgres
    --target-dbname credentials)
log_start=$(wc -c <"$TARGET_LOG")
run ivory "${over_tcp[@]}" copyschema
expect_status 0 "copyschema with a source password"
run ivory "${over_tcp[@]}" replication create --replication-password "$REPLICATION_SECRET"
expect_status 0 "replication create with a source and a replication password"
run ivory "${over_tcp[@]}" replication drop
expect_status 0 "replication drop with a source password"
target_sql postgres -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
new_log=$(tail -c +"$((log_start + 1))" "$TARGET_LOG")
expect_in "ivory.replication_create" "$new_log" "log_statement = 'all' logged the CLI's statements"
expect_not_in "$SOURCE_SECRET" "$new_log" "the target's log does not contain the source password"
expect_not_in "$REPLICATION_SECRET" "$new_log" "the target's log does not contain the replication password"

integration_summary
