#!/usr/bin/env bash
# CLI integration test of the production session settings: a DBA's defaults
# for the database and the role (ALTER DATABASE / ALTER ROLE ... SET
# statement_timeout, lock_timeout, idle_in_transaction_session_timeout, and
# where the server has them idle_session_timeout and transaction_timeout) on
# the target and on the source do not cut ivory's long operations, as they do
# not cut pg_dump's: copyschema, replication create and start (ivory's own
# copy), syncsequences, verify (also while a table is locked on both sides)
# and switchover all succeed. A SQL caller's session keeps its bound: the same
# ivory.verify_data from psql under those defaults, or after the caller's own
# SET statement_timeout, fails with a statement timeout. Against the clusters
# that run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

# libpq would hand PGOPTIONS to ivory's own sessions too and hide what is tested.
unset PGOPTIONS
# The test's own psql sessions, as postgres, lift the databases' defaults for themselves.
UNBOUNDED="-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0"
free_source_sql() { PGOPTIONS=$UNBOUNDED source_sql "$@"; }
free_target_sql() { PGOPTIONS=$UNBOUNDED target_sql "$@"; }

DBA_PASSWORD=Timeouts-Dba-42 # the target role's
SRC_PASSWORD=Timeouts-Src-42 # the source role's
db=timeouts
ROWS=200000

# psql as one of the test's roles, under every default it has; the output,
# errors included, in $OUT.
as_role() { # port user password database psql-options...
    local port=$1 user=$2 password=$3 database=$4
    shift 4
    OUT=$(PGPASSWORD=$password psql -X -q -At -h "$HOST" -p "$port" -U "$user" -d "$database" \
        "$@" 2>&1)
    STATUS=$?
}

# ivory as those roles, the source and target database of the same name.
ivory_t() { # command [options...]
    run ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user timeouts_src \
        --source-password "$SRC_PASSWORD" --source-dbname $db \
        --target-host "$HOST" --target-port "$TARGET_PORT" --target-user timeouts_dba \
        --target-password "$DBA_PASSWORD" --target-dbname $db "$@"
}
SOURCE_CONNINFO="host=$HOST port=$SOURCE_PORT user=timeouts_src password=$SRC_PASSWORD dbname=$db"

# The DBA's defaults: a role's for every database, and a database's for every
# role; each only where the server has the setting (idle_session_timeout 14+,
# transaction_timeout 17+). The database's are left at statement, lock and
# idle-in-transaction: they also reach the sessions of PostgreSQL's own
# replication workers.
bound() { # port ALTER-ROLE-or-DATABASE-clause settings...
    local port=$1 clause=$2 setting values=""
    shift 2
    for setting in "$@"; do values="$values${values:+, }('${setting%%=*}', '${setting#*=}')"; done
    PGOPTIONS=$UNBOUNDED sql "$port" postgres >/dev/null <<SQL
SELECT format('ALTER $clause SET %I = %L', s.name, v.value)
FROM (VALUES $values) AS v(name, value) JOIN pg_settings s USING (name) \gexec
SQL
}
bound_role() { # port role
    bound "$1" "ROLE $2" statement_timeout=5ms lock_timeout=5ms \
        idle_in_transaction_session_timeout=5ms idle_session_timeout=1s transaction_timeout=100ms
}
bound_database() { # port
    bound "$1" "DATABASE $db" statement_timeout=5ms lock_timeout=5ms \
        idle_in_transaction_session_timeout=5ms
}

# What a new session of `role` in the database gets.
expect_defaults() { # port role password name
    as_role "$1" "$2" "$3" $db -c "SELECT current_setting('statement_timeout') || ' ' ||
        current_setting('lock_timeout') || ' ' ||
        current_setting('idle_in_transaction_session_timeout')"
    expect_count "5ms 5ms 5ms" "$OUT" "$4: a new session of $2 gets the 5 ms defaults"
}

# --- the two sides, with a DBA's defaults ----------------------------------------------
fresh_source $db
free_source_sql postgres -c "SET client_min_messages = warning" \
    -c "DROP ROLE IF EXISTS timeouts_src" -c "SET password_encryption = 'scram-sha-256'" \
    -c "CREATE ROLE timeouts_src LOGIN SUPERUSER PASSWORD '$SRC_PASSWORD'"
free_target_sql postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS timeouts_dba" \
    -c "CREATE ROLE timeouts_dba LOGIN SUPERUSER PASSWORD '$DBA_PASSWORD'" \
    -c "CREATE DATABASE $db TEMPLATE template0"
free_source_sql $db >/dev/null <<SQL
CREATE TABLE big (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text NOT NULL);
INSERT INTO big (payload) SELECT repeat(md5(g::text), 3) FROM generate_series(1, $ROWS) g;
CREATE TABLE small (id serial PRIMARY KEY, note text);
INSERT INTO small (note) SELECT 'note ' || g FROM generate_series(1, 50) g;
SELECT nextval('small_id_seq') FROM generate_series(1, 10);
SQL
bound_role "$SOURCE_PORT" timeouts_src
bound_database "$SOURCE_PORT"
bound_role "$TARGET_PORT" timeouts_dba
expect_defaults "$SOURCE_PORT" timeouts_src "$SRC_PASSWORD" "source"
as_role "$SOURCE_PORT" timeouts_src "$SRC_PASSWORD" $db -c "SELECT pg_sleep(0.1)"
expect_in "canceling statement due to statement timeout" "$OUT" \
    "the source's default cuts a statement of 100 ms"

# --- copyschema: the role's defaults reach the new database it builds ---------------------
# From psql, the role's default cuts the copy.
free_target_sql $db -c "CREATE EXTENSION ivory"
as_role "$TARGET_PORT" timeouts_dba "$DBA_PASSWORD" $db \
    -c "SELECT count(*) FROM ivory.copy_schema('$SOURCE_CONNINFO')"
expect_in "canceling statement due to statement timeout" "$OUT" \
    "copy_schema from psql under the target role's default is cut"
public_tables() { free_target_sql $db -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"; }
expect_count 0 "$(public_tables)" "the cut copy_schema left no table"
ivory_t copyschema
expect_status 0 "copyschema under the target role's 5 ms defaults"
expect_in "schema copied" "$ERR" "copyschema reports the copied schema"
# copyschema made the target database anew: the DBA sets its defaults now.
bound_database "$TARGET_PORT"
expect_defaults "$TARGET_PORT" timeouts_dba "$DBA_PASSWORD" "target"
expect_count 2 "$(public_tables)" "copyschema made both tables on the target"

# --- replication create, start (ivory's own copy), ready -------------------------------
ivory_t replication create
expect_status 0 "replication create under 5 ms defaults on both sides"
ivory_t replication start --wait
expect_status 0 "replication start --wait (ivory's copy of $ROWS rows by background workers) under 5 ms defaults on both sides"
expect_count $ROWS "$(free_target_sql $db -c "SELECT count(*) FROM big")" \
    "the copy brought every row of the big table"
status_ready() {
    ivory_t replication status
    [ "$STATUS" -eq 0 ]
}
if wait_until 90 status_ready; then
    pass "replication is ready (status exits 0)"
else
    fail "replication not ready within 90 s" "$ERR"
fi
free_source_sql $db -c "INSERT INTO big (payload) VALUES ('streamed')" \
    -c "INSERT INTO small (note) VALUES ('streamed')"
if PGOPTIONS=$UNBOUNDED wait_until 60 tables_match $db; then
    pass "rows written on the source after the copy stream to the target"
else
    fail "tables differ after 60 s:$MISMATCHED"
fi

# --- syncsequences -----------------------------------------------------------------------
ivory_t syncsequences --sample-pause 0.5
expect_status 0 "syncsequences (a sample pause of 500 ms) under 5 ms defaults"
expect_in "public.small_id_seq" "$ERR" "syncsequences names the serial column's sequence"
if [ "$(free_target_sql $db -c "SELECT last_value FROM small_id_seq")" -gt \
    "$(free_source_sql $db -c "SELECT last_value FROM small_id_seq")" ]; then
    pass "syncsequences set the target's sequence ahead of the source's"
else
    fail "the target's sequence is not ahead of the source's"
fi

# --- verify: a SQL caller's own bound holds, the command's does not -------------------------
VERIFY_SQL="SELECT count(*) FROM ivory.verify_data('$SOURCE_CONNINFO')"
# postgres has no default of its own: the database's applies.
run target_sql $db -c "$VERIFY_SQL"
if [ "$STATUS" -ne 0 ]; then pass "verify_data from psql under the database's default fails"; else
    fail "verify_data from psql under the database's default succeeded" "$OUT"; fi
expect_in "canceling statement due to statement timeout" "$ERR" \
    "the SQL caller's session keeps the database's statement_timeout: verify_data is cut"
as_role "$TARGET_PORT" timeouts_dba "$DBA_PASSWORD" $db -c "$VERIFY_SQL"
expect_in "canceling statement due to statement timeout" "$OUT" \
    "the SQL caller's session keeps the role's statement_timeout: verify_data is cut"
PGOPTIONS=$UNBOUNDED expect_statement_timeout $db 5ms "$VERIFY_SQL" \
    "a caller's own SET statement_timeout cuts verify_data" 10000
# The caller lifts its own bounds: the source's defaults (role and database)
# must not cut ivory's session there. The bounds are lifted from the start
# (PGOPTIONS): under the role's 5 ms even the DO that lifts the rest can be cut
# on a busy machine.
PGOPTIONS=$UNBOUNDED as_role "$TARGET_PORT" timeouts_dba "$DBA_PASSWORD" $db \
    -c "DO \$\$ BEGIN PERFORM set_config(name, '0', false) FROM pg_settings
        WHERE name IN ('statement_timeout', 'transaction_timeout'); END \$\$" \
    -c "SELECT string_agg(table_name || '=' || matches, ' ' ORDER BY table_name)
        FROM ivory.verify_data('$SOURCE_CONNINFO')"
expect_count "public.big=true public.small=true" "$OUT" \
    "verify_data with the caller's bound lifted: the source's defaults do not cut ivory's session"

ivory_t verify
expect_status 0 "verify under 5 ms defaults on both sides"
expect_in "2 tables match" "$ERR" "verify compared both tables"

# Both sides' big table locked for 2 s while verify runs: its reads wait,
# the lock_timeout defaults notwithstanding.
hold_lock() { # port name
    PGOPTIONS=$UNBOUNDED sql "$1" $db -c "BEGIN" -c "LOCK TABLE big IN ACCESS EXCLUSIVE MODE" \
        -c "SELECT pg_sleep(2)" -c "COMMIT" >/dev/null 2>"$TMPDIR/lock_$2.err"
    echo $? >"$TMPDIR/lock_$2.status"
}
lock_held() { # port
    [ "$(PGOPTIONS=$UNBOUNDED sql "$1" $db -c "SELECT count(*) FROM pg_locks
        WHERE relation = 'big'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ]
}
hold_lock "$SOURCE_PORT" source &
source_locker=$!
hold_lock "$TARGET_PORT" target &
target_locker=$!
if poll_until 10 lock_held "$SOURCE_PORT" && poll_until 10 lock_held "$TARGET_PORT"; then
    started=$(date +%s%N)
    ivory_t verify
    elapsed_ms=$((($(date +%s%N) - started) / 1000000))
    expect_status 0 "verify while the big table is locked on both sides"
    if [ "$elapsed_ms" -ge 1000 ]; then
        pass "verify waited for the locks (${elapsed_ms} ms)"
    else
        fail "verify took ${elapsed_ms} ms: it did not wait for the locks"
    fi
else
    fail "the big table was not locked on both sides within 10 s"
fi
wait "$source_locker" "$target_locker"
expect_count 0 "$(cat "$TMPDIR/lock_source.status")" "the source's lock holder ended well"
expect_count 0 "$(cat "$TMPDIR/lock_target.status")" "the target's lock holder ended well"

# --- switchover -------------------------------------------------------------------------
ivory_t switchover --timeout 120
expect_status 0 "switchover under 5 ms defaults on both sides"
if PGOPTIONS=$UNBOUNDED tables_match $db; then
    pass "after the switchover every table on the target equals the source row for row"
else
    fail "tables differ after the switchover:$MISMATCHED"
fi
expect_count 0 "$(PGOPTIONS=$UNBOUNDED target_subscriptions $db)" \
    "the switchover dropped the subscription"
ivory_t unlock-source
expect_status 0 "unlock-source under 5 ms defaults"
expect_count 0 "$(free_source_sql postgres -c "SELECT count(*) FROM pg_replication_slots
    WHERE database = '$db'")" "no replication slot remains on the source"
expect_count 0 "$(free_source_sql $db -c "SELECT count(*) FROM pg_publication")" \
    "no publication remains on the source"
expect_count 0 "$(free_source_sql postgres -c "SELECT count(*) FROM pg_roles
    WHERE rolname = 'ivory_replicator'")" "no role of ivory remains on the source"

# --- native_copy: PostgreSQL's table sync, its walsender under the source database's defaults --
# The replication role's own settings (none cut its sessions) come before the
# database's 5 ms: the table sync's COPY of the big table completes. On the
# target, PostgreSQL's workers log in as the subscription's owner and get its
# role's transaction_timeout (17+), which would cut their copy: that is the
# DBA's to lift (doc/limitations.md), and lifted here.
free_target_sql $db -c "TRUNCATE big, small"
PGOPTIONS=$UNBOUNDED sql "$TARGET_PORT" postgres >/dev/null <<'SQL'
SELECT format('ALTER ROLE timeouts_dba RESET %I', name) FROM pg_settings
WHERE name = 'transaction_timeout' \gexec
SQL
ivory_t replication create
expect_status 0 "replication create again, for the native copy"
expect_count "idle_in_transaction_session_timeout=0,lock_timeout=0,statement_timeout=0" \
    "$(free_source_sql postgres -c "SELECT string_agg(c, ',' ORDER BY c) FROM pg_db_role_setting s
        JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) c
        WHERE r.rolname = 'ivory_replicator' AND s.setdatabase = 0
          AND c ~ '^(statement|lock|idle_in_transaction_session)_timeout='")" \
    "the replication role's own settings lift the timeouts"
ivory_t replication start --native-copy
expect_status 0 "replication start --native-copy under the source database's 5 ms defaults"
if wait_until 120 status_ready; then
    pass "the table sync copied every table (status exits 0)"
else
    fail "replication with native copy not ready within 120 s" "$ERR"
fi
expect_count $((ROWS + 1)) "$(free_target_sql $db -c "SELECT count(*) FROM big")" \
    "the table sync brought every row of the big table"
ivory_t replication drop
expect_status 0 "replication drop after the native copy"

# --- cleanup: the clusters serve the scripts after this one ------------------------------
# (after a failure above, whatever replication is left goes first)
if [ "$(PGOPTIONS=$UNBOUNDED target_subscriptions $db 2>/dev/null)" != 0 ]; then
    ivory_t unlock-source
    ivory_t replication drop
fi
free_target_sql postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS timeouts_dba"
free_source_sql postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS timeouts_src"

integration_summary
