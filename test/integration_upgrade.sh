#!/usr/bin/env bash
# CLI integration tests of the extension's upgrade paths: a replication set up
# with each earlier version (0.1.0, 0.2.0, 0.3.0) keeps running through
# ALTER EXTENSION ivory UPDATE; the command refuses an extension version it
# does not match; status, the monitoring view and a switchover work after it. Against the
# clusters that run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh
CURRENT=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$(dirname "$0")/../ivory.control")

status_columns() { # database
    target_sql "$1" -c "SELECT count(*) FROM pg_proc p, unnest(p.proargmodes) m
        WHERE p.proname = 'replication_status' AND p.pronamespace = 'ivory'::regnamespace AND m = 'o'"
}

# A replication set up with version `first`'s functions, updated to the
# current version while it streams; then status, the monitoring view and a
# switchover with the current command.
upgrade_from() { # first
    local first=$1
    local db=upgrade_from_${first//./_}
    local source_conninfo="host=$HOST port=$SOURCE_PORT user=ivory_tester password=$SOURCE_PASSWORD dbname=$db"

    fresh_source "$db"
    source_sql "$db" >/dev/null <<'SQL'
CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL);
INSERT INTO accounts SELECT g, g * 10 FROM generate_series(1, 1000) g;
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
INSERT INTO events (note) SELECT 'e' || g FROM generate_series(1, 500) g;
SQL
    target_sql postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db TEMPLATE template0"
    target_sql "$db" -c "CREATE EXTENSION ivory VERSION '$first'"
    expect_count "$first" "$(target_sql "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'ivory'")" \
        "version $first installs"

    # --- the command refuses an extension it does not match ----------------------------------
    ivory_on "$db" check
    expect_status 1 "check against extension $first"
    expect_in "has version $first, this ivory needs $CURRENT" "$ERR" "$first: the command names both versions"
    expect_in "ALTER EXTENSION ivory UPDATE TO '$CURRENT'" "$ERR" "$first: the command tells how to update"

    # --- a replication set up and running with that version's functions ----------------------
    expect_count 5 "$(target_sql "$db" -c "SELECT sum(created) FROM ivory.copy_schema('$source_conninfo')")" \
        "$first: copy_schema copies the two tables, their keys and the identity sequence"
    target_sql "$db" -c "SELECT count(*) FROM ivory.replication_create('$source_conninfo')" >/dev/null
    # ivory's own copy needs 0.4.0's tables: until the update, the old
    # definition says so, and the native copy serves.
    expect_in "ivory's initial copy needs version 0.4.0 of the extension" \
        "$(target_sql "$db" -c "SELECT ivory.replication_start()" 2>&1)" \
        "$first: the old definition's start asks for the update before ivory's copy"
    target_sql "$db" -c "SELECT ivory.replication_start(native_copy => true)" >/dev/null
    expect_count enabled "$(target_sql "$db" -c "SELECT state FROM ivory.replication_status() WHERE item = 'subscription'")" \
        "$first: the replication is started"
    expect_tables_match_within 60 "$db" "$first: after the initial copy"
    # The new library under the old definitions, before the update: the old
    # columns still come.
    local old_columns=8 # lag_bytes and age_seconds came with 0.3.0
    [ "$first" = 0.3.0 ] && old_columns=10
    expect_count "$old_columns" "$(status_columns "$db")" \
        "$first: replication_status declares its $old_columns columns before the update"
    expect_in "subscription" "$(target_sql "$db" -c "SELECT item FROM ivory.replication_status()" 2>&1)" \
        "$first: the new library answers the old replication_status definition"

    # --- the update, with the replication running ---------------------------------------------
    source_sql "$db" -c "INSERT INTO events (note) SELECT 'before update ' || g FROM generate_series(1, 100) g" >/dev/null
    target_sql "$db" -c "ALTER EXTENSION ivory UPDATE"
    expect_count "$CURRENT" "$(target_sql "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'ivory'")" \
        "$first: ALTER EXTENSION ivory UPDATE reaches $CURRENT"
    expect_count "$CURRENT" "$(target_sql "$db" -c "SELECT ivory.version()")" "$first: ivory.version() is the library's"
    expect_count 10 "$(status_columns "$db")" "$first: replication_status has 10 columns after the update"
    expect_status_ok_within 60 "$db" "$first: after the update"
    source_sql "$db" -c "UPDATE accounts SET balance = balance + 1 WHERE id % 3 = 0" \
        -c "INSERT INTO events (note) SELECT 'after update ' || g FROM generate_series(1, 100) g" >/dev/null
    expect_tables_match_within 60 "$db" "$first: changes before and after the update"
    local lag
    lag=$(target_sql "$db" -c "SELECT state || ' ' || (lag_bytes >= 0)::text || ' ' || (age_seconds >= 0)::text
        FROM ivory.replication_status() WHERE item = 'lag'")
    expect_count "current true true" "$lag" "$first: after the update the lag row has its state word, lag_bytes and age_seconds"

    # --- the monitoring view -----------------------------------------------------------------------
    overview() {
        target_sql "$db" -F ' ' -c "SELECT subscription, state, ok, tables_ready, tables_total,
            lag_bytes IS NOT NULL AND lag_bytes >= 0, last_reply_age_seconds BETWEEN 0 AND 300
            FROM ivory.replication_overview"
    }
    streaming_overview() { [ "$(overview)" = "ivory_subscription streaming t 2 2 t t" ]; }
    if wait_until 60 streaming_overview; then
        pass "$first: replication_overview: one row, streaming, ok, 2 of 2 tables ready, a lag in bytes, a recent reply"
    else
        fail "$first: replication_overview: expected 'ivory_subscription streaming t 2 2 t t'" "$(overview 2>&1)"
    fi
    expect_count "f" "$(target_sql "$db" -c "SELECT has_table_privilege('public', 'ivory.replication_overview', 'SELECT')")" \
        "$first: replication_overview is not readable by PUBLIC"

    # --- and the switchover of the updated extension ------------------------------------------
    ivory_on "$db" switchover --timeout 120
    expect_status 0 "$first: switchover after the update"
    expect_in "the source was read-only for" "$ERR" "$first: switchover reports the read-only window"
    if tables_match "$db"; then
        pass "$first: after the switchover every table on the target equals the source"
    else
        fail "$first: tables differ after the switchover:$MISMATCHED"
    fi
    expect_count 0 "$(target_sql "$db" -c "SELECT count(*) FROM ivory.replication_overview")" \
        "$first: replication_overview is empty once the switchover dropped the replication"
    ivory_objects_left "$db" "$first: switchover"
    ivory_on "$db" unlock-source
    expect_status 0 "$first: unlock-source after the switchover"
}

upgrade_from 0.1.0
upgrade_from 0.2.0
upgrade_from 0.3.0

integration_summary
