#!/usr/bin/env bash
# CLI integration tests of --all-databases, on a source and a target of their
# own: three databases, each with pgbench writing, from check to switchover.
# Each database gets the target database of the same name and a subscription
# of its own, status and --json report them all, switchover locks every
# source database before it switches any (one read-only window), and in the
# end every table of every database is equal and no replication object is
# left. Commands that do not take the option refuse it. Prints "ok"/"not ok"
# per assertion and ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_pair.sh"
pair_start "$TARGET_BINDIR" "$TARGET_BINDIR" 57300

SOURCE_PASSWORD=right-Secret-42
source_sql postgres -c "CREATE ROLE ivory_tester LOGIN SUPERUSER PASSWORD '$SOURCE_PASSWORD'"
DATABASES="inventory orders shop"
for db in $DATABASES; do
    pgbench_source $db 1 -c "CREATE TABLE \"$db notes\" (id serial PRIMARY KEY, body text)" \
        -c "INSERT INTO \"$db notes\" (body) SELECT 'note ' || g FROM generate_series(1, 20) g"
done

# ivory for every database; the list is read through the source's postgres.
every() { ivory_on postgres --all-databases "$@"; }

expect_each_named() { # name
    local db
    for db in $DATABASES; do
        expect_in "== database $db" "$ERR" "$1 names database $db"
    done
}

every check
expect_status 1 "check --all-databases before the schemas are copied"
expect_each_named "check"
every copyschema
expect_status 0 "copyschema --all-databases"
for db in $DATABASES; do
    expect_count 5 "$(target_sql $db -c "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'pgbench%'
        OR tablename = '$db notes'")" "copyschema made database $db with its tables"
done
every check --no-webbrowser
expect_status 0 "check --all-databases once the schemas are copied"
every replication create
expect_status 0 "replication create --all-databases"
every replication start --wait
expect_status 0 "replication start --all-databases --wait"
for db in $DATABASES; do
    expect_count 1 "$(target_subscriptions $db)" "database $db has a subscription of its own"
done
every replication status
expect_status 0 "replication status --all-databases: every database ready"
expect_each_named "status"
every --json replication status
expect_status 0 "replication status --all-databases --json"
keys=$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)))' 2>&1)
expect_count "$DATABASES" "$keys" "--json prints one document per database, by name"

# The refusals: usage errors, nothing run.
every copyroles
expect_status 2 "copyroles refuses --all-databases"
expect_in "copyroles does not take --all-databases" "$ERR" "the refusal names the command"
every switchover --report "$TMPDIR/one.md"
expect_status 2 "switchover --report refuses --all-databases"

pids=()
for db in $DATABASES; do
    pgbench -n -c 2 -T 90 -R 50 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db \
        >"$TMPDIR/pgbench-$db.out" 2>&1 &
    pids+=($!)
done
sleep 3
every verify
expect_status 0 "verify --all-databases under pgbench load"
every switchover --timeout 120
expect_status 0 "switchover --all-databases under pgbench load"
expect_in "one window for all 3" "$ERR" "switchover reports one read-only window for the three"
# Every source database is locked before any waits for its final position.
last_lock=$(printf '%s\n' "$ERR" | grep -n ': lock source: ' | tail -1 | cut -d: -f1)
first_wait=$(printf '%s\n' "$ERR" | grep -n ': wait for final position: ' | head -1 | cut -d: -f1)
if [ -n "$last_lock" ] && [ -n "$first_wait" ] && [ "$last_lock" -lt "$first_wait" ]; then
    pass "every source database was locked before the first switched"
else
    fail "a database switched before the last was locked (lock line ${last_lock:-?}, wait line ${first_wait:-?})" "$ERR"
fi
expect_count 3 "$(printf '%s\n' "$ERR" | grep -c ': lock source: .* - default_transaction_read_only = on')" \
    "each of the three source databases was locked"
for pid in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
for db in $DATABASES; do
    if tables_match $db; then
        pass "database $db: every committed row is on the target (ordered md5 per table)"
    else
        fail "database $db: tables differ after the switchover:$MISMATCHED"
    fi
    ivory_objects_left $db "database $db"
    run psql -X -q -At -h "$HOST" -p "$SOURCE_PORT" -U postgres -d $db \
        -c "INSERT INTO \"$db notes\" (body) VALUES ('after')"
    expect_status 1 "database $db stays read-only on the source"
done

every unlock-source
expect_status 0 "unlock-source --all-databases"
for db in $DATABASES; do
    run psql -X -q -At -h "$HOST" -p "$SOURCE_PORT" -U postgres -d $db \
        -c "INSERT INTO \"$db notes\" (id, body) VALUES (1000, 'after the unlock')"
    expect_status 0 "database $db is writable on the source again"
done

integration_summary
