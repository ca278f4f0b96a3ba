#!/usr/bin/env bash
# CLI integration tests of schema changes during replication. With
# --track-ddl, DDL run on the source while pgbench writes is applied on the
# target at its place in the stream (new columns, tables, indexes built
# CONCURRENTLY, types, renames, drops, views, names that need quoting, a
# search_path of its own); a command that fails on the target stops the
# apply, is named by status and `replication ddl`, and --skip goes on with
# nothing written after it lost; switchover completes and nothing of ivory
# stays on the source. Without it, status names what stops the apply.
# Against the clusters that run_tests.sh started. Prints "ok"/"not ok" per
# assertion and ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

status_fails_with() { # database text
    replication "$1" status
    [ "$STATUS" -eq 1 ] && [[ "$ERR" == *"$2"* ]]
}

target_count() { # database table
    target_sql "$1" -c "SELECT count(*) FROM $2" 2>/dev/null
}

# --- with --track-ddl, while pgbench writes --------------------------------------
db=ddl_tracked
pgbench_source $db 1 \
    -c 'CREATE SCHEMA "Odd Schema"' \
    -c 'CREATE TABLE "Odd Schema"."Odd Table" (id int PRIMARY KEY, "Odd Col" text)' \
    -c "INSERT INTO \"Odd Schema\".\"Odd Table\" SELECT g, 'row ' || g FROM generate_series(1, 50) g"
ivory_on $db copyschema
expect_status 0 "track-ddl: copyschema"
ivory_on $db replication create --track-ddl
expect_status 0 "track-ddl: replication create --track-ddl"
expect_in "ddl tracking ivory: created" "$ERR" "create reports the DDL tracking it installed"
ivory_on $db replication create --track-ddl
expect_status 0 "track-ddl: create again"
expect_in "ddl tracking ivory: exists" "$ERR" "a second create finds the tracking in place"
ivory_on $db replication start --wait
expect_status 0 "track-ddl: replication start --wait"
expect_status_ok_within 90 $db "track-ddl: before any DDL"

pgbench -n -c 2 -R 100 -T 40 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db \
    >"$TMPDIR/pgbench.out" 2>&1 &
pgbench_pid=$!
sleep 2
source_sql $db \
    -c "ALTER TABLE pgbench_accounts ADD COLUMN note text DEFAULT 'none'" \
    -c "INSERT INTO pgbench_accounts (aid, bid, abalance, filler, note)
        SELECT g, 1, 0, '', 'added ' || g FROM generate_series(100001, 100100) g" \
    -c "CREATE TABLE orders (id int PRIMARY KEY, total integer NOT NULL)" \
    -c "INSERT INTO orders SELECT g, g * 10 FROM generate_series(1, 200) g" \
    -c "CREATE INDEX CONCURRENTLY accounts_note ON pgbench_accounts (note)" \
    -c "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2)" \
    -c "INSERT INTO orders VALUES (201, 12.34)" \
    -c "ALTER TABLE orders RENAME COLUMN total TO amount" \
    -c "INSERT INTO orders (id, amount) VALUES (202, 56.78)" \
    -c "ALTER TABLE orders ALTER COLUMN amount SET DEFAULT 0" \
    -c "INSERT INTO orders (id) VALUES (203)" \
    -c "ALTER TABLE pgbench_accounts DROP COLUMN note" \
    -c "CREATE VIEW rich_accounts AS SELECT aid, abalance FROM pgbench_accounts WHERE abalance > 1000" \
    -c "COMMENT ON TABLE orders IS 'orders of the shop'" \
    -c "CREATE TABLE branch_totals AS SELECT bid, sum(abalance) AS total FROM pgbench_accounts GROUP BY bid" \
    -c "SELECT aid, abalance INTO first_accounts FROM pgbench_accounts WHERE aid <= 10" \
    -c "ALTER TABLE branch_totals ADD PRIMARY KEY (bid)" \
    -c "ALTER TABLE first_accounts ADD PRIMARY KEY (aid)" \
    -c "CREATE MATERIALIZED VIEW account_count AS SELECT count(*) AS n FROM pgbench_accounts" \
    -c "CREATE TABLE scratch (id int PRIMARY KEY)" \
    -c "INSERT INTO scratch VALUES (1)" \
    -c "DROP TABLE scratch"
# Quoted names, and a search_path of the session's own; two statements in
# one query string.
source_sql $db <<'SQL'
ALTER TABLE "Odd Schema"."Odd Table" ADD COLUMN "New Col" integer DEFAULT 7;
INSERT INTO "Odd Schema"."Odd Table" VALUES (51, 'row 51', 8);
SET search_path = "Odd Schema", public;
CREATE TABLE "Another Table" (id int PRIMARY KEY, label text); CREATE INDEX "By Label" ON "Another Table" (label);
INSERT INTO "Another Table" VALUES (1, 'one'), (2, 'two');
SQL
expect_pgbench_ran $pgbench_pid "track-ddl: pgbench ran through the DDL"

expect_status_ok_within 60 $db "track-ddl: after the DDL"
ivory_on $db replication ddl
expect_status 0 "track-ddl: replication ddl exits 0"
expect_not_in "pending" "$ERR" "track-ddl: no command left pending"
expect_in "run without CONCURRENTLY" "$ERR" "the index built CONCURRENTLY on the source is built here"
recorded=$(source_sql $db -c "SELECT count(*) FROM ivory.ddl_commands")
ivory_on $db --json replication ddl
expect_count "$recorded" "$(grep -o '"state": *"applied"' <<<"$OUT" | wc -l)" \
    "track-ddl: replication ddl --json lists all $recorded recorded commands applied"
expect_tables_match_within 60 $db "track-ddl"
expect_count 203 "$(target_count $db orders)" "the new table has every row"
expect_count 2 "$(target_count $db '"Odd Schema"."Another Table"')" \
    "the table made with a search_path of its own is in that schema here"
expect_count 0 "$(target_sql $db -c "SELECT column_default FROM information_schema.columns
    WHERE table_name = 'orders' AND column_name = 'amount'")" "the renamed column has its new default"
expect_count 1 "$(target_sql $db -c "SELECT count(*) FROM pg_indexes WHERE indexname = 'By Label'")" \
    "the second statement of a query string is applied too"
expect_count 10 "$(target_count $db first_accounts)" \
    "SELECT INTO: the source's rows, not those of a second run here as well"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'")" \
    "the dropped table is gone here too"
ivory_check $db
expect_status 0 "track-ddl: ivory check finds the schemas the same"

# A command that fails here: the target has the table already.
target_sql $db -c "CREATE TABLE clash (id int PRIMARY KEY)"
source_sql $db -c "CREATE TABLE clash (id int PRIMARY KEY)" -c "INSERT INTO clash VALUES (1)" \
    -c "INSERT INTO orders (id, amount) VALUES (204, 1)"
if wait_until 60 status_fails_with $db "the apply stops at it"; then
    pass "failing DDL: status exits 1 saying the apply stops at it"
else
    fail "failing DDL: status did not report it" "$ERR"
fi
expect_in "CREATE TABLE clash" "$ERR" "failing DDL: status names the command"
expect_in 'relation "clash" already exists' "$ERR" "failing DDL: status gives the error"
ivory_on $db replication ddl
expect_status 1 "failing DDL: replication ddl exits 1"
failed_id=$(target_sql $db -c "SELECT id FROM ivory.replication_ddl() WHERE state = 'failed'")
expect_in "$failed_id failed: CREATE TABLE" "$ERR" "failing DDL: replication ddl names it"
ivory_on $db replication ddl --skip "$failed_id"
expect_status 0 "failing DDL: replication ddl --skip"
source_sql $db -c "INSERT INTO clash VALUES (2)"
expect_status_ok_within 60 $db "failing DDL: after --skip"
expect_tables_match_within 60 $db "failing DDL: after --skip, rows written after it arrived"
expect_count 2 "$(target_count $db clash)" "the skipped table gets its rows"
ivory_on $db replication ddl --skip "$failed_id"
expect_in "already skipped" "$ERR" "a second --skip changes nothing"
ivory_on $db replication ddl --retry 999999
expect_status 1 "--retry of a command never recorded fails"
expect_in "no DDL command 999999 is recorded" "$ERR" "--retry names the unknown id"

# A password in a recorded command is applied, and never shown: not by
# replication ddl, status, the error of a failing command nor the server log.
DDL_SECRET=Mapping-Secret-77
mapping_arrived() { # database role
    [ "$(target_sql "$1" -c "SELECT count(*) FROM pg_user_mappings WHERE srvname = 'elsewhere'
        AND usename = '$2' AND array_to_string(umoptions, ',') LIKE '%$DDL_SECRET%'")" = 1 ]
}
source_sql $db -c "CREATE FOREIGN DATA WRAPPER ivory_test_fdw" \
    -c "CREATE SERVER elsewhere FOREIGN DATA WRAPPER ivory_test_fdw OPTIONS (host 'elsewhere.example')" \
    -c "CREATE USER MAPPING FOR postgres SERVER elsewhere OPTIONS (user 'app', password '$DDL_SECRET')"
if wait_until 60 mapping_arrived $db postgres; then
    pass "secret: the user mapping with its password is applied on the target"
else
    fail "secret: the user mapping did not arrive" "$(target_sql $db -c 'TABLE pg_user_mappings' 2>&1)"
fi
ivory_on $db replication ddl
expect_in "CREATE USER MAPPING FOR postgres SERVER elsewhere OPTIONS (user 'app', password '********')" \
    "$ERR" "secret: replication ddl shows the command with its password masked"
expect_not_in "$DDL_SECRET" "$OUT$ERR" "secret: replication ddl does not show the password"
ivory_on $db --json replication ddl
expect_not_in "$DDL_SECRET" "$OUT$ERR" "secret: replication ddl --json does not show the password"
# Failing here: the target has a mapping for PUBLIC already.
target_sql $db -c "CREATE USER MAPPING FOR PUBLIC SERVER elsewhere OPTIONS (password 'other')"
source_sql $db -c "CREATE USER MAPPING FOR PUBLIC SERVER elsewhere OPTIONS (password '$DDL_SECRET')"
if wait_until 60 status_fails_with $db "already exists"; then
    pass "secret: status names the failing command"
else
    fail "secret: status did not report the failing mapping" "$ERR"
fi
expect_in "password '********'" "$OUT$ERR" "secret: status shows the failing command masked"
status_output="$OUT$ERR"
ivory_on $db --json replication status
status_output+="$OUT$ERR"
ivory_on $db replication ddl
expect_status 1 "secret: replication ddl exits 1 on the failing mapping"
expect_not_in "$DDL_SECRET" "$status_output$OUT$ERR" \
    "secret: status, its JSON and replication ddl do not show the password"
expect_in "already exists" "$(cat "$IVORY_TEST_DIR/target.log")" \
    "secret: the target's log has the failing command's error"
expect_not_in "$DDL_SECRET" "$(cat "$IVORY_TEST_DIR/target.log")" \
    "secret: the target's log does not show the password"
failed_id=$(target_sql $db -c "SELECT id FROM ivory.replication_ddl() WHERE state = 'failed'")
ivory_on $db replication ddl --skip "$failed_id"
expect_status 0 "secret: --skip the failing mapping"
expect_status_ok_within 60 $db "secret: after --skip"

ivory_on $db switchover --force
expect_status 0 "track-ddl: switchover completes"
expect_tables_match_within 5 $db "track-ddl: after switchover"
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'ivory'")" \
    "nothing of ivory's schema stays on the source"
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_event_trigger")" \
    "no event trigger of ivory stays on the source"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM ivory.ddl_commands")" \
    "the recorded commands are gone from the target"
ivory_objects_left $db "track-ddl"
ivory_on $db unlock-source
source_sql $db -c "CREATE TABLE after_switch (id int)" >/dev/null 2>&1
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'ivory'")" \
    "DDL on the source afterwards leaves nothing of ivory there"

# --- without --track-ddl ----------------------------------------------------------
db=ddl_untracked
fresh_source $db
source_sql $db -c "CREATE TABLE items (id int PRIMARY KEY, name text)" \
    -c "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g"
replicate $db "untracked"
source_sql $db -c "CREATE TABLE newer (id int PRIMARY KEY)"
if wait_until 30 status_fails_with $db "table public.newer"; then
    pass "untracked: a new table on the source makes status exit 1"
else
    fail "untracked: status did not name the new table" "$ERR"
fi
expect_in "on the source only: it is published" "$ERR" "untracked: the new table is not replicated"
source_sql $db -c "DROP TABLE newer"
source_sql $db -c "ALTER TABLE items ADD COLUMN price numeric" \
    -c "INSERT INTO items VALUES (101, 'item 101', 9.5)"
if wait_until 30 status_fails_with $db "column public.items.price"; then
    pass "untracked: an added column makes status exit 1 naming it"
else
    fail "untracked: status did not name the column" "$ERR"
fi
expect_in "missing replicated column" "$ERR" "untracked: status says the apply stops"
wait_until 30 status_fails_with $db "the apply worker failed" &&
    pass "untracked: status shows the failing apply" ||
    fail "untracked: status shows no failing apply" "$ERR"
target_sql $db -c "ALTER TABLE items ADD COLUMN price numeric"
expect_status_ok_within 60 $db "untracked: once the column is added here"
expect_tables_match_within 60 $db "untracked: the row written after the column arrived"
drop_replication $db "untracked"

integration_summary
