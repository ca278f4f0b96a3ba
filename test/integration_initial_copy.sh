#!/usr/bin/env bash
# CLI integration tests of ivory's own initial copy (replication start without
# --native-copy): the tables copied by background workers in one snapshot of
# the source, indexes and keys built after the data, then streaming from the
# slot. What the workers survive is in integration_background_copy.sh.
# Against the clusters that run_tests.sh started; ends with
# "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

# The definitions of a database's indexes and constraints, one per line.
index_definitions() { # port database
    sql "$1" "$2" -c "SELECT indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'ivory')
                      UNION ALL
                      SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
                      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                      ORDER BY 1"
}

# --- every kind of table, then changes streamed afterwards -------------------------------
db=fast_kinds
fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE, note text);
CREATE INDEX parent_note_idx ON parent (note);
CREATE TABLE child (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    parent_id int NOT NULL REFERENCES parent (id), amount numeric(10,2),
                    doubled numeric GENERATED ALWAYS AS (amount * 2) STORED);
CREATE INDEX child_parent_idx ON child (parent_id);
CREATE TABLE no_key (a int, b text);
ALTER TABLE no_key REPLICA IDENTITY FULL;
CREATE TABLE by_index (id int NOT NULL, tag text);
CREATE UNIQUE INDEX by_index_id ON by_index (id);
ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_id;
CREATE TABLE measurements (taken date NOT NULL, reading float8, PRIMARY KEY (taken))
    PARTITION BY RANGE (taken);
CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE "Odd ""Name""" ("Mixed Case" int PRIMARY KEY, "sélect" text);
INSERT INTO parent SELECT g, 'code' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END
    FROM generate_series(1, 5000) g;
INSERT INTO child (parent_id, amount) SELECT 1 + g % 5000, g / 7.0 FROM generate_series(1, 20000) g;
INSERT INTO no_key SELECT g % 100, 'b' || g FROM generate_series(1, 3000) g;
INSERT INTO by_index SELECT g, E'tab\there\nnewline \\ backslash' FROM generate_series(1, 1000) g;
INSERT INTO measurements SELECT d, extract(doy FROM d) FROM generate_series('2024-01-01'::date, '2025-12-31', '1 day') d;
INSERT INTO "Odd ""Name""" VALUES (1, 'ä'), (2, NULL), (3, '');
SQL
ivory_on $db copyschema
expect_status 0 "copyschema"
replication $db create
expect_status 0 "replication create"
replication $db start --wait
expect_status 0 "replication start --wait"
expect_in "initial copy done: 7 table(s) (7 in binary format), 29734 row(s)" "$ERR" \
    "start copied every table itself, all of built-in types in binary format"
expect_in "key(s) built after the data" "$ERR" "start says what it built after the data"
expect_count 0 "$(target_sql $db -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" \
    "every table is ready at once"
expect_count "$(index_definitions "$SOURCE_PORT" $db)" "$(index_definitions "$TARGET_PORT" $db)" \
    "the target has the source's indexes and constraints"
expect_count i "$(target_sql $db -c "SELECT relreplident FROM pg_class WHERE relname = 'by_index'")" \
    "the replica identity index stays the replica identity"
expect_status_ok_within 60 $db "after the fast copy"
expect_tables_match_within 30 $db "after the fast copy"
source_sql $db >/dev/null <<'SQL'
UPDATE parent SET note = 'changed' WHERE id <= 100;
DELETE FROM child WHERE id % 10 = 0;
INSERT INTO child (parent_id, amount) VALUES (1, 1.5), (2, 2.5);
UPDATE no_key SET b = 'updated' WHERE a = 7;
DELETE FROM no_key WHERE a = 8;
UPDATE by_index SET tag = 'retagged' WHERE id % 2 = 0;
DELETE FROM measurements WHERE taken < '2024-02-01';
UPDATE "Odd ""Name""" SET "sélect" = 'x';
SQL
expect_tables_match_within 60 $db "changes after the fast copy"
drop_replication $db "fast kinds"
ivory_objects_left $db "fast kinds"

# --- binary format where both sides have the same built-in types, text otherwise ------------
db=fast_formats
fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b text);
CREATE TABLE built_in (id int PRIMARY KEY, n numeric, f float8, t text, c char(3), v varchar(10),
                       ts timestamptz, d date, i interval, j jsonb, js json, b bytea, ia int[],
                       ta text[], u uuid, ip inet, ok bool, m money, p point, x xml);
INSERT INTO built_in
SELECT g, CASE g % 4 WHEN 0 THEN 'NaN' ELSE g / 3.0 END, g * 1.5, 'ä€' || g || E'\ttab', 'ab',
       'v' || g, CASE WHEN g = 1 THEN 'infinity' ELSE '2024-01-01 12:00+02'::timestamptz + g * interval '1 hour' END,
       '2024-02-29', g * interval '1 day 2 sec', jsonb_build_object('k', g, 'ü', 'ß'), '{"a": 1}',
       decode(md5(g::text), 'hex'), ARRAY[g, NULL, -g], ARRAY['x', NULL, 'é'], md5(g::text)::uuid,
       '10.0.0.1/8', g % 2 = 0, g, point(g, -g), '<a>ö</a>'
FROM generate_series(1, 2000) g;
INSERT INTO built_in (id) VALUES (0);
CREATE TABLE user_typed (id int PRIMARY KEY, feeling mood, amount positive, duo pair, moods mood[]);
INSERT INTO user_typed SELECT g, (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood, g, ROW(g, 'p' || g)::pair,
                              ARRAY['ok', 'happy']::mood[]
FROM generate_series(1, 500) g;
CREATE TABLE widened (id int PRIMARY KEY, amount int);
INSERT INTO widened SELECT g, g * 7 FROM generate_series(1, 300) g;
SQL
formats_replication() { # how to start: cli or latin1
    ivory_on $db copyschema
    expect_status 0 "formats ($1): copyschema"
    # A target column wider than the source's (the check tells; skipped):
    # text is what converts it.
    target_sql $db -c "ALTER TABLE widened ALTER amount TYPE bigint" >/dev/null
    replication $db create --skip-checks
    expect_status 0 "formats ($1): replication create"
}
formats_replication cli
replication $db start --wait
expect_status 0 "formats: replication start --wait"
expect_in "initial copy done: 3 table(s) (1 in binary format), 2801 row(s)" "$ERR" \
    "formats: only the table of built-in types on both sides goes in binary format"
expect_tables_match_within 30 $db "formats: binary and text copies"
expect_count 2801 "$(target_sql $db -c "SELECT (SELECT count(*) FROM built_in) + (SELECT count(*) FROM user_typed)
                                               + (SELECT count(*) FROM widened)")" "formats: every row is there"
drop_replication $db "formats"
# Binary text values are read in the session's client encoding: the
# workers' sessions have the database's, whatever the caller's is.
formats_replication latin1
out=$(target_sql $db -c "SET client_encoding = 'LATIN1'" -c "SELECT ivory.replication_start(wait => true)" 2>&1)
expect_in "(1 in binary format), 2801 row(s)" "$out" \
    "formats: the workers copy in their own encoding, not the LATIN1 caller's"
expect_tables_match_within 30 $db "formats: text copies for a LATIN1 session"
drop_replication $db "formats, LATIN1"
ivory_objects_left $db "formats"

# --- pgbench writing during the copy, a table with REPLICA IDENTITY FULL and no key ---------
db=fast_load
fresh_source $db
"$(pg_config --bindir)/pgbench" -h "$HOST" -p "$SOURCE_PORT" -U postgres -i -q -s 10 $db >/dev/null 2>&1
source_sql $db >/dev/null <<'SQL'
ALTER TABLE pgbench_history REPLICA IDENTITY FULL;
CREATE TABLE ri_full (k int, v int);
ALTER TABLE ri_full REPLICA IDENTITY FULL;
INSERT INTO ri_full SELECT g % 1000, 0 FROM generate_series(1, 10000) g;
SQL
cat >"$TMPDIR/load.sql" <<'PGBENCH'
\set aid random(1, 100000 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, :aid, :delta, CURRENT_TIMESTAMP);
UPDATE ri_full SET v = v + 1 WHERE k = :aid % 1000 AND v < 3;
DELETE FROM ri_full WHERE k = :aid % 997 AND v >= 3;
INSERT INTO ri_full VALUES (:aid % 1000, :delta);
END;
PGBENCH
ivory_on $db copyschema
expect_status 0 "load: copyschema"
replication $db create
expect_status 0 "load: replication create"
"$(pg_config --bindir)/pgbench" -h "$HOST" -p "$SOURCE_PORT" -U postgres -n -c 2 -T 15 \
    -f "$TMPDIR/load.sql" $db >"$TMPDIR/pgbench.out" 2>&1 &
pgbench=$!
sleep 1
replication $db start --wait --jobs 4 --split-tables-larger-than 40MB
expect_status 0 "load: replication start --wait --jobs 4 --split-tables-larger-than 40MB while pgbench writes"
expect_in "initial copy done: 5 table(s) (5 in binary format)" "$ERR" \
    "load: start copied the tables itself"
expect_in "by 4 worker(s)" "$ERR" "load: four workers copied"
expect_count 4 "$(target_sql $db -c "SELECT count(*) FROM ivory.copy_task WHERE table_name = 'public.pgbench_accounts'")" \
    "load: pgbench_accounts (about 130 MB) was copied in 4 ranges"
expect_pgbench_ran "$pgbench" "load: pgbench ran through"
expect_status_ok_within 120 $db "load"
expect_tables_match_within 120 $db "load: after pgbench wrote during the fast copy"
drop_replication $db "load"
ivory_objects_left $db "load"

# --- the native copy on request ------------------------------------------------------------------
db=fast_native
fresh_source $db
source_sql $db -c "CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL)" \
    -c "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 100000) g" \
    -c "CREATE TABLE small (id int PRIMARY KEY)" -c "INSERT INTO small VALUES (1), (2)" >/dev/null
ivory_on $db copyschema
replication $db create
replication $db start --native-copy
expect_status 0 "native: replication start --native-copy"
expect_not_in "initial copy done" "$ERR" "native: start leaves the copy to the table-sync workers"
expect_status_ok_within 180 $db "native"
expect_tables_match_within 60 $db "native"
drop_replication $db "native"
ivory_objects_left $db "native"

integration_summary
