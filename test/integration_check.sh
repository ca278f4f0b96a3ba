#!/usr/bin/env bash
# CLI integration tests of `ivory check` and the command line: the installed
# `ivory` against the clusters that
# run_tests.sh started ($IVORY_TEST_DIR, $SOURCE_PORT, $TARGET_PORT,
# $REPLICA_PORT, $SILENT_PORT). Prints "ok"/"not ok" per assertion and ends
# with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

# --- usage -------------------------------------------------------------------
run ivory --help
expect_status 0 "ivory --help"
expect_in "replication" "$OUT$ERR" "--help lists the replication command"
run ivory replication --help
expect_status 0 "ivory replication --help"
for command in create start status stop drop; do
    expect_in "$command" "$OUT$ERR" "replication --help lists $command"
done
run ivory check --help
expect_status 0 "ivory check --help"
expect_in "--no-webbrowser" "$OUT$ERR" "check --help shows --no-webbrowser"
run ivory
expect_status 2 "ivory without a command"
run ivory frobnicate
expect_status 2 "ivory with an unknown command"
run ivory -l LOUD check
expect_status 2 "ivory with an unknown log level"
run ivory replication
expect_status 2 "ivory replication without a subcommand"

# --- empty source and target -----------------------------------------------------
fresh_pair empty
ivory_check empty
expect_status 0 "check of empty databases"
expect_in "created extension" "$(printf '%s' "$ERR" | tr 'A-Z' 'a-z')" \
    "the CLI creates the missing extension and says so"
log_lines=$(printf '%s\n' "$ERR" | grep -v '^$')
if [ -n "$log_lines" ] && ! printf '%s\n' "$log_lines" |
    grep -vqE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} \| (DEBUG|INFO|WARNING|ERROR|CRITICAL) +\| [a-z.]+ \| '; then
    pass "log lines have the format 'YYYY-MM-DD HH:MM:SS,mmm | LEVEL | logger | message'"
else
    fail "log line format" "$log_lines"
fi
ivory_check empty -l DEBUG
expect_status 0 "check of empty databases at DEBUG"
expect_in "| DEBUG    |" "$ERR" "passed checks are logged at DEBUG"
expect_in "wal_level" "$ERR" "the wal_level check is logged"
rows=$(target_sql empty -c "SELECT count(*) FROM ivory.check('host=$HOST port=$SOURCE_PORT user=postgres dbname=empty')")
errors=$(target_sql empty -c "SELECT count(*) FROM ivory.check('host=$HOST port=$SOURCE_PORT user=postgres dbname=empty') WHERE severity = 'error' AND NOT ok")
if [ "$rows" -ge 8 ] && [ "$errors" -eq 0 ]; then
    pass "ivory.check returns $rows rows, none failing with severity error"
else
    fail "ivory.check returns $rows rows, $errors failing errors"
fi
SOURCE_HOST=$HOST SOURCE_PORT=$SOURCE_PORT SOURCE_USER=postgres SOURCE_DBNAME=empty \
    TARGET_HOST=$HOST TARGET_PORT=$TARGET_PORT TARGET_USER=postgres TARGET_DBNAME=empty \
    run ivory check --no-webbrowser
expect_status 0 "options default to \$SOURCE_*/\$TARGET_* environment variables"

# --- a table without primary key -------------------------------------------------
fresh_pair nokey
for side in source_sql target_sql; do
    $side nokey -c "CREATE TABLE events (happened timestamptz, what text)"
done
ivory_check nokey
expect_status 1 "check with a table without primary key"
expect_in "public.events" "$ERR" "the table without primary key is named"

# --- schema drift ---------------------------------------------------------------------
fresh_pair drift
source_sql drift -c "CREATE TABLE only_here (id int PRIMARY KEY)" \
    -c "CREATE TABLE accounts (id int PRIMARY KEY, balance int, kind text DEFAULT 'basic')" \
    -c "CREATE INDEX accounts_kind_idx ON accounts (kind)" \
    -c 'CREATE TABLE "Kunden Ä ""Q""" (id int PRIMARY KEY)'
target_sql drift -c "CREATE TABLE accounts (id int PRIMARY KEY, balance bigint, kind text DEFAULT 'gold')"
ivory_check drift
expect_status 1 "check with schema drift"
expect_in "table public.only_here missing on target" "$ERR" "a table only on the source is named"
expect_in "column public.accounts.balance: integer on source, bigint on target" "$ERR" \
    "int on one side and bigint on the other is named"
expect_in "index public.accounts_kind_idx missing on target" "$ERR" "a missing index is named"
expect_in "column public.accounts.kind: default 'basic'::text on source, 'gold'::text on target" \
    "$ERR" "a different column default is named"
expect_in 'table public."Kunden Ä ""Q""" missing on target' "$ERR" \
    "names with quotes, spaces, capitals and unicode are named"
html=$(printf '%s\n' "$ERR" | grep -oE '/[^ ]*ivory-schema-diff-[^ ]*\.html' | head -1)
if [ -n "$html" ] && [ -s "$html" ]; then
    pass "the HTML diff is written and its path logged ($html)"
    content=$(cat "$html")
    expect_in "accounts_kind_idx" "$content" "the HTML diff names the missing index"
    expect_in "only_here" "$content" "the HTML diff names the missing table"
    expect_in "bigint" "$content" "the HTML diff shows the target's column type"
    expect_not_in "<script src" "$content" "the HTML diff is self-contained"
else
    fail "the HTML diff is written and its path logged" "$ERR"
fi
source_sql drift -c "DROP TABLE only_here" -c 'DROP TABLE "Kunden Ä ""Q"""' \
    -c "ALTER TABLE accounts ALTER COLUMN balance TYPE bigint, ALTER COLUMN kind SET DEFAULT 'gold'"
target_sql drift -c "CREATE INDEX accounts_kind_idx ON accounts (kind)"
ivory_check drift
expect_status 0 "check after the schemas are made equal again"

# --- database options ---------------------------------------------------------------
fresh_pair options
target_sql postgres -c "CREATE ROLE ivory_other_owner" \
    -c "ALTER DATABASE options CONNECTION LIMIT 5" -c "ALTER DATABASE options OWNER TO ivory_other_owner"
ivory_check options
expect_status 1 "check with different database options"
expect_in "connection limit: -1 on source, 5 on target" "$ERR" "connection limit drift is named with both values"
expect_in "owner: postgres on source, ivory_other_owner on target" "$ERR" "owner drift is named with both values"

# --- a source that is not ready -------------------------------------------------------
sql "$REPLICA_PORT" postgres -c "CREATE DATABASE notready TEMPLATE template0"
target_sql postgres -c "CREATE DATABASE notready TEMPLATE template0"
run ivory --source-host "$HOST" --source-port "$REPLICA_PORT" --source-user postgres \
    --source-dbname notready --target-host "$HOST" --target-port "$TARGET_PORT" \
    --target-user postgres --target-dbname notready check --no-webbrowser
expect_status 1 "check against a source with wal_level=replica"
expect_in "wal_level is replica" "$ERR" "wal_level is named"
expect_in "no pg_hba.conf line lets role ivory_replicator" "$ERR" \
    "a pg_hba.conf without a line for ivory_replicator is reported"

# --- bad connections --------------------------------------------------------------------
run ivory --source-host 127.0.0.1 --source-port "$SOURCE_PORT" --source-user ivory_tester \
    --source-password Wrong-Secret-99 --source-dbname empty --target-host "$HOST" \
    --target-port "$TARGET_PORT" --target-user postgres --target-dbname empty check --no-webbrowser
expect_status 1 "check with a wrong source password"
expect_in "password authentication failed" "$ERR" "a wrong password gets libpq's message"
expect_not_in "Wrong-Secret-99" "$OUT$ERR" "the wrong password is not printed"
run ivory --source-host 127.0.0.1 --source-port 1 --source-user postgres \
    --source-password Hunter2secret --source-dbname empty --target-host "$HOST" \
    --target-port "$TARGET_PORT" --target-user postgres --target-dbname empty check --no-webbrowser
expect_status 1 "check with an unreachable source"
expect_in "Connection refused" "$ERR" "an unreachable source gets libpq's message"
expect_not_in "Hunter2secret" "$OUT$ERR" "the password of an unreachable source is not printed"
run ivory --source-host "$HOST" --source-port not-a-port --source-dbname empty \
    --target-host "$HOST" --target-port "$TARGET_PORT" --target-user postgres \
    --target-dbname empty check --no-webbrowser
expect_status 1 "check with an invalid source port"
expect_in "not-a-port" "$ERR" "an invalid connection option is named"
run ivory --target-host "$HOST" --target-port 1 --target-user postgres \
    --target-password Target-Secret-7 --target-dbname empty check --no-webbrowser
expect_status 1 "check with an unreachable target"
expect_not_in "Target-Secret-7" "$OUT$ERR" "the target password is not printed"

# --- interrupts: statement_timeout and cancel against a source that never answers ---------
silent="host=127.0.0.1 port=$SILENT_PORT dbname=x user=y password=z connect_timeout=60"
expect_statement_timeout empty 2s "SELECT * FROM ivory.check('$silent')" \
    "statement_timeout stops a check against a source that never answers" 3000
target_sql empty -v ON_ERROR_STOP=0 -c "SET application_name = 'ivory_cancel_test'" \
    -c "SELECT * FROM ivory.check('$silent')" >"$TMPDIR/cancel.out" 2>&1 &
cancel_client=$!
sleep 1
start=$(date +%s%N)
target_sql empty -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'ivory_cancel_test'" >/dev/null
wait "$cancel_client"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_in "canceling statement due to user request" "$(cat "$TMPDIR/cancel.out")" \
    "pg_cancel_backend stops a check waiting on the source"
if [ "$elapsed_ms" -lt 2000 ]; then
    pass "the cancel took effect at once (${elapsed_ms} ms)"
else
    fail "the cancel took ${elapsed_ms} ms"
fi

integration_summary
