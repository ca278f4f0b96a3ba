#!/usr/bin/env bash
# A migration from psql alone, the way a DBA without the CLI runs it: CREATE
# EXTENSION ivory, then ivory.copy_schema, replication_create,
# replication_start, replication_status until ready, and switchover, with
# pgbench writing to the source all along. Every table must be equal at the
# end and the target's sequences ahead of the source's.
#   test/psql_migration.sh SOURCE_BINDIR TARGET_BINDIR
# TARGET_BINDIR holds psql and pgbench and the server ivory is installed in.
# Run by test/run_versions.sh; ends with "integration: N passed, M failed".
set -u
set -- "$(cd "$1" && pwd)" "$(cd "$2" && pwd)" # before the cd below
cd "$(dirname "$0")/.."
source test/lib_pair.sh
pair_start "$1" "$2" 56500

db=psql_migration
fresh_pair $db
source_sql postgres -c "CREATE ROLE ivory_tester LOGIN SUPERUSER PASSWORD 'right-Secret-42'"
if pgbench -h "$HOST" -p "$SOURCE_PORT" -U postgres -i -q -s 2 $db >/dev/null 2>&1; then
    pass "$PAIR: pgbench -i on the source"
else
    fail "$PAIR: pgbench -i on the source"
fi
source_sql $db -c "ALTER TABLE pgbench_history REPLICA IDENTITY FULL" \
    -c "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                        placed timestamptz DEFAULT now(), note text)" \
    -c "INSERT INTO orders (note) SELECT 'order ' || g FROM generate_series(1, 1000) g"

# The source as the target reaches it: by TCP, with a password.
src="host=127.0.0.1 port=$SOURCE_PORT user=ivory_tester password=right-Secret-42 dbname=$db"
psql_step() { # name sql
    run target_sql $db -c "$2"
    expect_status 0 "$PAIR: $1"
}

# Writers for the whole migration; the switchover ends them (read-only source).
pgbench -h "$HOST" -p "$SOURCE_PORT" -U postgres -n -c 2 -T 120 $db >/dev/null 2>&1 &
PGBENCH=$!
(while source_sql $db -c "INSERT INTO orders (note) VALUES ('during')" >/dev/null 2>&1; do
    sleep 0.1
done) &
WRITER=$!

psql_step "CREATE EXTENSION ivory" "CREATE EXTENSION ivory"
psql_step "ivory.copy_schema" "SELECT count(*) FROM ivory.copy_schema('$src')"
psql_step "ivory.replication_create" "SELECT count(*) FROM ivory.replication_create('$src')"
psql_step "ivory.replication_start" "SELECT ivory.replication_start()"
no_status_error() {
    [ "$(target_sql $db -c "SELECT count(*) FROM ivory.replication_status() WHERE severity = 'error'" 2>/dev/null)" = 0 ]
}
if wait_until 120 no_status_error; then
    pass "$PAIR: ivory.replication_status has no error while pgbench writes"
else
    fail "$PAIR: ivory.replication_status still has errors" \
        "$(target_sql $db -c "SELECT item, name, state, detail FROM ivory.replication_status() WHERE severity = 'error'")"
fi
features=$(target_sql $db -c "SELECT string_agg(name, ', ' ORDER BY name) FROM ivory.replication_status() WHERE item = 'feature'")
target_major=${TARGET_VERSION%%.*}
if [ "$target_major" -ge 16 ]; then
    expect_in "parallel apply" "$features" "$PAIR: status says the subscription applies in parallel"
else
    expect_in "streaming" "$features" "$PAIR: status says the subscription streams"
fi
source_major=${SOURCE_VERSION%%.*}
if [ "$target_major" -ge 17 ] && [ "$source_major" -ge 17 ]; then
    expect_in "failover slot" "$features" "$PAIR: status says the slot has failover"
    expect_count t "$(source_sql $db -c "SELECT bool_and(failover) FROM pg_replication_slots")" \
        "$PAIR: the source's slot was made with failover"
fi
if [ "$target_major" -ge 18 ]; then
    expect_count 1 "$(target_sql $db -c "SELECT count(*) FROM ivory.replication_status() WHERE item = 'conflicts'")" \
        "$PAIR: status reports the apply conflicts"
fi
sleep 2 # writes that arrive while streaming
psql_step "ivory.switchover under load" "SELECT step, seconds FROM ivory.switchover('$src', timeout_seconds => 120)"
kill "$WRITER" 2>/dev/null
wait "$PGBENCH" "$WRITER" 2>/dev/null

if tables_match $db; then
    pass "$PAIR: every table is equal on both sides after the switchover"
else
    fail "$PAIR: tables differ after the switchover:$MISMATCHED"
fi
expect_count "$(source_sql $db -c "SELECT count(*) FROM orders")" \
    "$(target_sql $db -c "SELECT count(*) FROM orders")" "$PAIR: orders has every row written during the migration"
source_max=$(source_sql $db -c "SELECT max(id) FROM orders")
new_id=$(target_sql $db -c "INSERT INTO orders (note) VALUES ('after') RETURNING id")
if [ -n "$new_id" ] && [ "$new_id" -gt "$source_max" ]; then
    pass "$PAIR: the target's identity continues after the source's ($new_id > $source_max)"
else
    fail "$PAIR: the target's identity gave '$new_id', the source's largest is $source_max"
fi
psql_step "ivory.unlock_source" "SELECT ivory.unlock_source('$src')"
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_replication_slots")" \
    "$PAIR: no replication slot is left on the source"
integration_summary
