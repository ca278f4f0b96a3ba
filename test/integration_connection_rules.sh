#!/usr/bin/env bash
# The connection rules of issue 14: what a non-superuser's connection string
# may not contain (several hosts, a service, a passfile, certificate and key
# files of the server), a pre-made schema `ivory` that CREATE EXTENSION must
# not adopt, and waits that end: connect_timeout, and the abort cleanup
# against a source that keeps sending notices. Run on the clusters of
# run_tests.sh; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh
tcp_source() { # database
    echo "host=127.0.0.1 port=$SOURCE_PORT dbname=$1 user=ivory_tester password=$SOURCE_PASSWORD"
}

# --- 7. options a non-superuser may not use ---------------------------------------
db=conn_rules
fresh_source $db
source_sql $db -c "CREATE TABLE planted (id int PRIMARY KEY)"
target_sql postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE template0"
target_sql $db -c "CREATE EXTENSION ivory" \
    -c "DROP ROLE IF EXISTS ivory_conn_user" -c "CREATE ROLE ivory_conn_user LOGIN" \
    -c "GRANT USAGE ON SCHEMA ivory TO ivory_conn_user" \
    -c "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ivory TO ivory_conn_user" \
    -c "GRANT CREATE ON SCHEMA public TO ivory_conn_user"

# Runs `statement` as the non-superuser; the psql output (errors included) in $OUT.
as_user() { # statement
    OUT=$(target_sql $db -v ON_ERROR_STOP=0 -c "SET ROLE ivory_conn_user" -c "$1" 2>&1)
}
refused() { # option conninfo name
    as_user "SELECT * FROM ivory.copy_schema('$2')"
    expect_in "connection option \"$1\" is not allowed for non-superusers" "$OUT" \
        "$3: copy_schema refuses it, naming the option"
    expect_not_in "pg_dump of the source failed" "$OUT" "$3: refused before pg_dump runs"
    as_user "SELECT count(*) FROM ivory.check('$2')"
    expect_in "connection option \"$1\" is not allowed for non-superusers" "$OUT" \
        "$3: check refuses it too"
    expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM pg_class WHERE relname = 'planted'")" \
        "$3: nothing was created"
}
two_hosts="host=127.0.0.1,127.0.0.1 port=$SOURCE_PORT,$SOURCE_PORT dbname=$db user=ivory_tester \
password=$SOURCE_PASSWORD target_session_attrs=read-write"
refused host "$two_hosts" "two hosts with target_session_attrs"
refused service "$(tcp_source $db) service=ivory_nowhere" "a service"
refused sslkey "$(tcp_source $db) sslkey=/etc/ssl/private/ssl-cert-snakeoil.key" "an sslkey path"
refused passfile "$(tcp_source $db) passfile=/var/lib/postgresql/.pgpass" "a passfile"
refused sslrootcert "$(tcp_source $db) sslrootcert=/etc/ssl/certs/ca-certificates.crt" "an sslrootcert path"
as_user "SELECT count(*) AS checked FROM ivory.check('$(tcp_source $db)')"
expect_not_in "not allowed for non-superusers" "$OUT" \
    "one host with a password is still allowed for a non-superuser"

# A superuser's connection string with several hosts: pg_dump reaches the
# server ivory reached (the first host listens nowhere), pinned to it.
run target_sql $db -c "SELECT count(*) FROM ivory.copy_schema('host=127.0.0.1,127.0.0.1 \
port=1,$SOURCE_PORT dbname=$db user=ivory_tester password=$SOURCE_PASSWORD')"
expect_status 0 "a superuser's copy_schema over the second of two hosts"
expect_count 1 "$(target_sql $db -c "SELECT count(*) FROM pg_class WHERE relname = 'planted'")" \
    "pg_dump reached the host that ivory reached"

# --- 9. a schema ivory made before the extension -----------------------------------
trap_db=schema_trap
target_sql postgres -c "DROP DATABASE IF EXISTS $trap_db" -c "CREATE DATABASE $trap_db TEMPLATE template0" \
    -c "DROP ROLE IF EXISTS ivory_schema_planter" -c "CREATE ROLE ivory_schema_planter LOGIN" \
    -c "GRANT CREATE ON DATABASE $trap_db TO ivory_schema_planter"
target_sql $trap_db -c "SET ROLE ivory_schema_planter" -c "CREATE SCHEMA ivory" \
    -c "CREATE FUNCTION ivory.trap() RETURNS int LANGUAGE sql AS 'SELECT 1'"
OUT=$(target_sql $trap_db -v ON_ERROR_STOP=0 -c "CREATE EXTENSION ivory" 2>&1)
expect_in "schema \"ivory\" exists already and is owned by ivory_schema_planter" "$OUT" \
    "CREATE EXTENSION refuses a schema ivory owned by another role"
expect_in "HINT:" "$OUT" "the refusal says what to do"
expect_count 0 "$(target_sql $trap_db -c "SELECT count(*) FROM pg_extension WHERE extname = 'ivory'")" \
    "no extension was created in the planted schema"
target_sql $trap_db -c "DROP SCHEMA ivory CASCADE" -c "CREATE SCHEMA ivory" \
    -c "GRANT CREATE ON SCHEMA ivory TO ivory_schema_planter"
OUT=$(target_sql $trap_db -v ON_ERROR_STOP=0 -c "CREATE EXTENSION ivory" 2>&1)
expect_in "other roles may create objects in it" "$OUT" \
    "CREATE EXTENSION refuses a schema ivory where others may create objects"
target_sql $trap_db -c "DROP SCHEMA ivory CASCADE"
run target_sql $trap_db -c "CREATE EXTENSION ivory"
expect_status 0 "CREATE EXTENSION ivory without a pre-made schema"
target_sql postgres -c "DROP DATABASE $trap_db" -c "DROP ROLE ivory_schema_planter"

# The CLI's own SQL names catalog objects with their schema: a trap object in
# the target user's search path cannot stand in for them.
# Each hit names a catalog object without pg_catalog. in one of the CLI's SQL strings.
unqualified=$(cd "$(dirname "$0")/.." && grep -noE '"[^"]*"' cli/*.cpp | grep -E 'SELECT|FROM |WHERE ' |
    sed -E 's/pg_catalog\.[a-z_]+//g' |
    grep -E '(^|[^._a-zA-Z])(pg_[a-z_]+|quote_ident|quote_literal|string_agg|current_database|current_setting|host|format|nullif)[ (]?' || true)
if [ -z "$unqualified" ]; then
    pass "the CLI's SQL names catalog tables and functions with pg_catalog."
else
    fail "the CLI's SQL names catalog objects without pg_catalog." "$unqualified"
fi

# --- 10. waits that end ------------------------------------------------------------
# connect_timeout is honoured: a source that accepts and never answers.
start=$(date +%s%N)
OUT=$(target_sql $db -v ON_ERROR_STOP=0 -c "SET statement_timeout = '30s'" -c "SELECT count(*) FROM
    ivory.check('host=127.0.0.1 port=$SILENT_PORT dbname=x user=y password=z connect_timeout=2')" 2>&1)
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_in "within the connect_timeout of 2 s" "$OUT" "connect_timeout=2 ends the connection attempt"
if [ "$elapsed_ms" -lt 6000 ]; then
    pass "connect_timeout=2 ends the attempt within 6 s (${elapsed_ms} ms)"
else
    fail "connect_timeout=2 ended the attempt after ${elapsed_ms} ms" "$OUT"
fi

# The abort cleanup against a source that keeps sending notices: the undo of
# the publication (DROP PUBLICATION) meets an event trigger that raises a
# notice every 10 ms, forever. The rollback must end within the cleanup's
# deadline (5 s for each undo; generous bound below).
noisy=conn_noisy
fresh_source $noisy
source_sql $noisy -c "CREATE TABLE items (id int PRIMARY KEY)" >/dev/null
ivory_on $noisy copyschema
expect_status 0 "copyschema of the noisy source"
source_sql $noisy <<'SQL' >/dev/null
CREATE FUNCTION noisy() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    LOOP
        RAISE NOTICE 'still here';
        PERFORM pg_sleep(0.01);
    END LOOP;
END
$$;
CREATE EVENT TRIGGER noisy_drop ON ddl_command_start WHEN TAG IN ('DROP PUBLICATION')
    EXECUTE FUNCTION noisy();
SQL
start=$(date +%s%N)
OUT=$(timeout 60 psql -X -q -At -h "$HOST" -p "$TARGET_PORT" -U postgres -d $noisy \
    -c "BEGIN" -c "SELECT count(*) FROM ivory.replication_create('$(tcp_source $noisy)', skip_checks => true)" \
    -c "ROLLBACK" -c "SELECT 'rolled back'" 2>&1)
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_not_in "ERROR" "$OUT" "replication_create made its objects on the source before the rollback"
expect_in "rolled back" "$OUT" "the rollback of replication_create ends against a noisy source"
if [ "$elapsed_ms" -lt 30000 ]; then
    pass "the abort cleanup ended within its deadline (${elapsed_ms} ms)"
else
    fail "the abort cleanup took ${elapsed_ms} ms" "$OUT"
fi
# Unstick whatever is left: the noisy loop on the source, a stuck target backend.
source_sql $noisy -c "DROP EVENT TRIGGER noisy_drop" >/dev/null
source_sql postgres -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = '$noisy' AND pid <> pg_backend_pid()" >/dev/null
target_sql postgres -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = '$noisy' AND pid <> pg_backend_pid()" >/dev/null
source_sql $noisy -c "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots
    WHERE database = '$noisy' AND NOT active" >/dev/null
source_sql $noisy -c "DROP PUBLICATION IF EXISTS ivory_publication" >/dev/null
source_sql postgres -c "DROP ROLE IF EXISTS ivory_replicator" >/dev/null 2>&1

target_sql $db -c "REVOKE ALL ON SCHEMA public FROM ivory_conn_user" \
    -c "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ivory FROM ivory_conn_user" \
    -c "REVOKE ALL ON SCHEMA ivory FROM ivory_conn_user" -c "DROP ROLE ivory_conn_user" >/dev/null
integration_summary
