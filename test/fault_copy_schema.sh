#!/usr/bin/env bash
# Fault tests of the schema copy: the source stopped with `pg_ctl -m
# immediate` while pg_dump is reading it, under ivory.copy_schema and under
# `ivory copyschema`. The target database must come out exactly as it was.
# pg_dump is held at the worst moment, mid-dump, by a session on the source
# that keeps one table locked. Run by `make test-faults` on the clusters that
# run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"
source "$(dirname "$0")/cluster.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

# The schema as pg_dump prints it, without the random \restrict key.
schema_of() { # port database
    pg_dump -h "$HOST" -p "$1" -U postgres --schema-only "$2" | grep -vE '^\\(un)?restrict '
}

source_with_tables() { # database
    fresh_source "$1"
    source_sql "$1" -c "CREATE TABLE first_table (id int PRIMARY KEY)" \
        -c "CREATE TABLE locked_table (id int PRIMARY KEY, note text)" \
        -c "CREATE TABLE last_table (id int PRIMARY KEY)" \
        -c "CREATE VIEW a_view AS SELECT id FROM first_table"
}

target_with_marker() { # database
    target_sql postgres -c "DROP DATABASE IF EXISTS \"$1\"" -c "CREATE DATABASE \"$1\""
    target_sql "$1" -c "CREATE EXTENSION ivory" -c "CREATE TABLE marker (note text)" \
        -c "INSERT INTO marker VALUES ('keep me')"
}

# A source session that holds an ACCESS EXCLUSIVE lock on locked_table until
# the source goes away, so that pg_dump's LOCK TABLE waits mid-dump.
LOCKER=
lock_source_table() { # database
    psql -X -q -h "$HOST" -p "$SOURCE_PORT" -U postgres -d "$1" -c "BEGIN" \
        -c "LOCK TABLE locked_table IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(600)" \
        >/dev/null 2>&1 &
    LOCKER=$!
    # pg_dump must start only once the lock is held: started together, pg_dump
    # may take its own lock first and never wait.
    if poll_until 30 source_table_locked "$1"; then
        pass "locked_table is locked by a session of the test"
    else
        fail "could not lock locked_table within 30 s"
    fi
}
source_table_locked() { # database
    [ "$(source_sql "$1" -c "SELECT count(*) FROM pg_locks WHERE granted
        AND relation = 'public.locked_table'::regclass
        AND mode = 'AccessExclusiveLock'" 2>/dev/null)" = 1 ]
}

pg_dump_waits_for_lock() {
    [ "$(source_sql postgres -c "SELECT count(*) FROM pg_stat_activity
        WHERE application_name = 'pg_dump' AND wait_event_type = 'Lock'" 2>/dev/null)" = 1 ]
}

no_pg_dump_running() { ! pgrep -x pg_dump >/dev/null; }

# Stops the source the hard way once pg_dump waits, then starts it again.
crash_source_mid_dump() { # name
    if poll_until 30 pg_dump_waits_for_lock; then
        pass "$1: pg_dump is mid-dump, waiting for the locked table"
    else
        fail "$1: pg_dump never waited for the locked table"
    fi
    if cluster_crash source; then
        pass "$1: source stopped with pg_ctl -m immediate"
    else
        fail "$1: pg_ctl -m immediate stop of the source"
    fi
    wait "$LOCKER" 2>/dev/null
}

restart_source() { # name
    if cluster_restart source; then
        pass "$1: source started again"
    else
        fail "$1: source did not start again" "$(tail -5 "$IVORY_TEST_DIR/source.log")"
    fi
}

# --- ivory.copy_schema while the source stops --------------------------------------
db=fault_copy_sql
source_with_tables $db
target_with_marker $db
before=$(schema_of "$TARGET_PORT" $db)
lock_source_table $db
timeout 120 psql -X -q -At -h "$HOST" -p "$TARGET_PORT" -U postgres -d $db \
    -c "SELECT * FROM ivory.copy_schema('host=$HOST port=$SOURCE_PORT user=postgres dbname=$db')" \
    >"$TMPDIR/copy.out" 2>"$TMPDIR/copy.err" &
copier=$!
crash_source_mid_dump "copy_schema"
wait "$copier"
copy_status=$?
if [ "$copy_status" -ne 0 ] && [ "$copy_status" -ne 124 ]; then
    pass "copy_schema fails when the source stops mid-dump (exit $copy_status)"
else
    fail "copy_schema when the source stops mid-dump: exit $copy_status" "$(cat "$TMPDIR/copy.err")"
fi
expect_in "pg_dump of the source failed" "$(cat "$TMPDIR/copy.err")" \
    "copy_schema's error says the dump failed"
if [ "$(schema_of "$TARGET_PORT" $db)" = "$before" ]; then
    pass "copy_schema: the target database's schema is unchanged"
else
    fail "copy_schema: the target database's schema changed" \
        "$(diff <(printf '%s\n' "$before") <(schema_of "$TARGET_PORT" $db))"
fi
expect_count 1 "$(target_sql $db -c "SELECT count(*) FROM marker")" "copy_schema: the target keeps its rows"
if poll_until 10 no_pg_dump_running; then
    pass "copy_schema: no pg_dump process is left"
else
    fail "copy_schema: pg_dump processes are left" "$(pgrep -a pg_dump)"
fi
restart_source "copy_schema"
run target_sql $db -c "SELECT count(*) FROM ivory.copy_schema('host=$HOST port=$SOURCE_PORT user=postgres dbname=$db')"
expect_status 0 "copy_schema succeeds once the source is back"
expect_count 3 "$(target_sql $db -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'marker'")" \
    "copy_schema after the restart created the source's tables"

# --- ivory copyschema while the source stops ---------------------------------------
db=fault_copy_cli
source_with_tables $db
target_with_marker $db
before=$(schema_of "$TARGET_PORT" $db)
lock_source_table $db
timeout 120 ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user ivory_tester \
    --source-password "$SOURCE_PASSWORD" --source-dbname $db --target-host "$HOST" \
    --target-port "$TARGET_PORT" --target-user postgres --target-dbname $db copyschema \
    >"$TMPDIR/copy.out" 2>"$TMPDIR/copy.err" &
copier=$!
crash_source_mid_dump "copyschema"
wait "$copier"
copy_status=$?
ERR=$(cat "$TMPDIR/copy.err")
if [ "$copy_status" = 1 ]; then
    pass "copyschema exits 1 when the source stops mid-dump"
else
    fail "copyschema when the source stops mid-dump: exit $copy_status" "$ERR"
fi
expect_in "pg_dump of the source failed" "$ERR" "copyschema's error says the dump failed"
expect_in "target database $db is unchanged" "$ERR" "copyschema says the target database is unchanged"
expect_not_in "$SOURCE_PASSWORD" "$ERR$(cat "$TMPDIR/copy.out")" "copyschema does not print the source password"
if [ "$(target_sql postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 1 ] &&
    [ "$(schema_of "$TARGET_PORT" $db)" = "$before" ]; then
    pass "copyschema: the target database is still there, its schema unchanged"
else
    fail "copyschema: the target database was dropped or changed" \
        "$(diff <(printf '%s\n' "$before") <(schema_of "$TARGET_PORT" $db 2>&1))"
fi
expect_count 1 "$(target_sql $db -c "SELECT count(*) FROM marker")" "copyschema: the target keeps its rows"
expect_count 0 "$(target_sql postgres -c "SELECT count(*) FROM pg_database
    WHERE datname LIKE 'ivory\_copyschema\_%'")" "copyschema: no database of its own is left"
if poll_until 10 no_pg_dump_running; then
    pass "copyschema: no pg_dump process is left"
else
    fail "copyschema: pg_dump processes are left" "$(pgrep -a pg_dump)"
fi
restart_source "copyschema"
ivory_on $db copyschema
expect_status 0 "copyschema succeeds once the source is back"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'")" \
    "copyschema after the restart replaced the target database"

integration_summary
