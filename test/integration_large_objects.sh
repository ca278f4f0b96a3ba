#!/usr/bin/env bash
# CLI integration tests of large objects, which logical replication does not
# carry: 50 of them (one of 20 MB, owners and grants of their own), made
# before and during the replication. check counts them, verify names those
# that differ, ivory.copy_large_objects copies them (twice: the second copies
# nothing) and finds a change made by hand, and switchover under pgbench
# copies them while the source is read-only: afterwards both sides have the
# same objects, contents, owners and grants.
# Against the clusters that run_tests.sh started. Prints "ok"/"not ok" per
# assertion and ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh
db=large_objects
SOURCE_CONNINFO="host=$HOST port=$SOURCE_PORT user=ivory_tester password=$SOURCE_PASSWORD dbname=$db"

# Every object's oid, owner, grants and contents' md5, in one line per side.
large_objects_digest() { # port
    sql "$1" $db -c "SELECT count(*) || ' ' || coalesce(md5(string_agg(oid::text || ':' ||
        pg_get_userbyid(lomowner) || ':' || coalesce(lomacl::text, '') || ':' || md5(lo_get(oid)),
        ',' ORDER BY oid)), '') FROM pg_largeobject_metadata"
}
make_objects() { # count first-size
    source_sql $db -c "SELECT count(lo_from_bytea(0, convert_to(repeat('object ' || g, $2 + g), 'UTF8')))
                       FROM generate_series(1, $1) g" >/dev/null
}

for port in "$SOURCE_PORT" "$TARGET_PORT"; do
    sql "$port" postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS lo_owner" \
        -c "DROP ROLE IF EXISTS \"lo Reader\"" -c "CREATE ROLE lo_owner" -c "CREATE ROLE \"lo Reader\""
done
fresh_source $db
pgbench -i -q -s 1 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db >/dev/null 2>&1
source_sql $db -c "ALTER TABLE pgbench_history REPLICA IDENTITY FULL"
# 29 small objects, one of 20 MB (random bytes), one empty; owners and grants.
make_objects 29 10
big=$(source_sql $db -c "SELECT lo_from_bytea(0, string_agg(decode(md5(random()::text || g), 'hex'), ''))
                         FROM generate_series(1, 1310720) g")
empty=$(source_sql $db -c "SELECT lo_create(0)")
source_sql $db -c "ALTER LARGE OBJECT $big OWNER TO lo_owner" \
    -c "GRANT SELECT ON LARGE OBJECT $big TO \"lo Reader\"" \
    -c "GRANT SELECT, UPDATE ON LARGE OBJECT $empty TO PUBLIC"
expect_count 20971520 "$(source_sql $db -c "SELECT length(lo_get($big))")" "the big object is 20 MB"

replicate $db "large objects"
ivory_check $db
expect_in "31 large objects on the source; logical replication does not carry them: switchover copies them" \
    "$ERR" "check counts the large objects and says switchover copies them"

# --- during the replication: not carried, and verify says so ---------------------------
make_objects 19 1000
expect_count 50 "$(source_sql $db -c "SELECT count(*) FROM pg_largeobject_metadata")" "50 large objects on the source"
ivory_on $db verify
expect_status 1 "verify before they are copied"
expect_in "large objects" "$ERR" "verify names the large objects"
expect_in "50 large object(s) differ" "$ERR" "verify counts those that differ"
first=$(source_sql $db -c "SELECT min(oid) FROM pg_largeobject_metadata")
expect_in "$first: missing on the target" "$ERR" "verify names a missing object"

# --- copy_large_objects on its own, twice ---------------------------------------------------
run target_sql $db -c "SELECT action, count(*) FROM ivory.copy_large_objects('$SOURCE_CONNINFO') GROUP BY 1"
expect_count "created|50" "$OUT" "copy_large_objects creates the 50 objects"
expect_count "$(large_objects_digest "$SOURCE_PORT")" "$(large_objects_digest "$TARGET_PORT")" \
    "the same objects, contents, owners and grants on both sides"
run target_sql $db -c "SELECT action, count(*) FROM ivory.copy_large_objects('$SOURCE_CONNINFO') GROUP BY 1"
expect_count "unchanged|50" "$OUT" "a second copy changes nothing"
ivory_on $db verify
expect_status 0 "verify once they are copied"
expect_in "same large objects" "$ERR$OUT" "verify finds them the same"
# A change by hand on the target is found, and copied over.
target_sql $db -c "SELECT lo_put($big, 1000, '\\x00ff00'::bytea)" >/dev/null
ivory_on $db verify
expect_status 1 "verify after a change by hand on the target"
expect_in "$big: contents" "$ERR" "verify names the changed object"
run target_sql $db -c "SELECT action FROM ivory.copy_large_objects('$SOURCE_CONNINFO') WHERE object_id = $big"
expect_count "replaced" "$OUT" "copy_large_objects replaces the changed object"

# --- switchover under pgbench, with objects made meanwhile ---------------------------------
make_objects 5 5000
source_sql $db -c "SELECT lo_put($empty, 0, 'written later'::bytea)" >/dev/null
pgbench -n -c 2 -T 20 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db >"$TMPDIR/pgbench.out" 2>&1 &
pgbench_pid=$!
sleep 2
ivory_on $db switchover --max-lag 16000000 --timeout 120
expect_status 0 "switchover while pgbench writes"
expect_in "copy large objects: " "$ERR" "switchover reports copying the large objects"
expect_in "6 large object(s) copied" "$ERR" "it copied the new and the changed ones"
kill "$pgbench_pid" 2>/dev/null
wait "$pgbench_pid" 2>/dev/null
expect_count "$(large_objects_digest "$SOURCE_PORT")" "$(large_objects_digest "$TARGET_PORT")" \
    "after the switchover: the same 55 objects on both sides"
if tables_match $db; then pass "after the switchover every table is equal row for row"; else
    fail "tables differ after the switchover:$MISMATCHED"; fi

# --- bad input ------------------------------------------------------------------------------
run target_sql $db -c "SELECT * FROM ivory.copy_large_objects(NULL)"
expect_in "source must not be NULL" "$ERR" "a NULL source is refused by name"
run target_sql $db -c "SELECT * FROM ivory.copy_large_objects('host=$HOST port=1 password=Hunter-Lo-9')"
expect_in "could not connect to the source" "$ERR" "a source that does not answer is named"
expect_not_in "Hunter-Lo-9" "$ERR" "its error shows no password"

# --- clean up ----------------------------------------------------------------------------------
ivory_on $db unlock-source
target_sql postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
source_sql postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
for port in "$SOURCE_PORT" "$TARGET_PORT"; do
    sql "$port" postgres -c "DROP ROLE lo_owner" -c "DROP ROLE \"lo Reader\""
done

integration_summary
