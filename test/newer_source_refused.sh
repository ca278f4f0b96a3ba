#!/usr/bin/env bash
# A source of a newer major version than the target is refused before
# anything is made, naming both versions: check, copyschema and replication
# create from the CLI, ivory.copy_schema and ivory.replication_create from SQL.
# Neither side keeps anything of ivory afterwards.
#   test/newer_source_refused.sh SOURCE_BINDIR TARGET_BINDIR
# TARGET_BINDIR holds psql and the server ivory is installed in; the CLI is
# the one on PATH. Run by test/run_versions.sh; ends with
# "integration: N passed, M failed".
set -u
set -- "$(cd "$1" && pwd)" "$(cd "$2" && pwd)" # before the cd below
cd "$(dirname "$0")/.."
source test/lib_pair.sh
pair_start "$1" "$2" 56400
source_version=$SOURCE_VERSION
target_version=$TARGET_VERSION
pair=$PAIR
db=newer_source
fresh_pair $db
source_sql $db -c "CREATE TABLE kept (id int PRIMARY KEY)" -c "INSERT INTO kept VALUES (1)"
target_sql $db -c "CREATE EXTENSION ivory"
before=$(target_sql $db -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")

expect_both_versions() { # text name
    expect_in "PostgreSQL $source_version" "$1" "$2 names the source's version"
    expect_in "PostgreSQL $target_version" "$1" "$2 names the target's version"
}

cli() { # command...
    run ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user postgres \
        --source-dbname $db --target-host "$HOST" --target-port "$TARGET_PORT" \
        --target-user postgres --target-dbname $db "$@"
}
cli check --no-webbrowser
expect_status 1 "$pair: check"
expect_both_versions "$OUT$ERR" "$pair: check"
cli copyschema
expect_status 1 "$pair: copyschema"
expect_both_versions "$ERR" "$pair: copyschema"
cli replication create
expect_status 1 "$pair: replication create"
expect_both_versions "$ERR" "$pair: replication create"
cli replication create --skip-checks
expect_status 1 "$pair: replication create --skip-checks"
expect_both_versions "$ERR" "$pair: replication create --skip-checks"

conninfo="host=$HOST port=$SOURCE_PORT user=postgres dbname=$db"
run target_sql $db -c "SELECT * FROM ivory.copy_schema('$conninfo')"
expect_status 1 "$pair: ivory.copy_schema"
expect_both_versions "$ERR" "$pair: ivory.copy_schema"
run target_sql $db -c "SELECT * FROM ivory.replication_create('$conninfo', skip_checks => true)"
expect_status 1 "$pair: ivory.replication_create"
expect_both_versions "$ERR" "$pair: ivory.replication_create"

expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_publication")" \
    "$pair: no publication on the source"
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_replication_slots")" \
    "$pair: no replication slot on the source"
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'ivory%'")" \
    "$pair: no role of ivory on the source"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM pg_subscription")" \
    "$pair: no subscription on the target"
expect_count "$before" "$(target_sql $db -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" \
    "$pair: the target's tables are as they were"
expect_count 1 "$(source_sql $db -c "SELECT count(*) FROM kept")" "$pair: the source keeps its rows"
integration_summary
