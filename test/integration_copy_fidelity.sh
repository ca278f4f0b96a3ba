#!/usr/bin/env bash
# CLI integration tests of what ivory's own initial copy (replication start
# without --native-copy) must keep: values whatever the source's output
# settings, names in reg* columns rather than OIDs, the metadata of the
# indexes and keys it builds after the data, and no power lent to the code of
# the table owners (triggers, CHECK and domain checks run as the owner).
# Against the clusters that run_tests.sh started; ends with
# "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

# A table's rows as text, one per line, in settings that print every value
# exactly and alike on both sides.
rows_as_text() { # port database table
    sql "$1" "$2" -c "SET datestyle = ISO" -c "SET intervalstyle = postgres" \
        -c "SET extra_float_digits = 3" -c "SET bytea_output = hex" -c "SET TimeZone = 'UTC'" \
        -c "SELECT coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '') FROM $3 t"
}

expect_same_rows() { # database table name
    local source_rows target_rows
    source_rows=$(rows_as_text "$SOURCE_PORT" "$1" "$2" 2>&1)
    target_rows=$(rows_as_text "$TARGET_PORT" "$1" "$2" 2>&1)
    if [ -n "$source_rows" ] && [ "$source_rows" = "$target_rows" ]; then
        pass "$3"
    else
        fail "$3" "$(diff <(printf '%s\n' "$source_rows") <(printf '%s\n' "$target_rows"))"
    fi
}

# copyschema, replication create, replication start (which must succeed).
copy_and_start() { # database name
    ivory_on "$1" copyschema
    expect_status 0 "$2: copyschema"
    replication "$1" create
    expect_status 0 "$2: replication create"
    replication "$1" start --wait
    expect_status 0 "$2: replication start --wait"
}

drop_databases() { # database
    source_sql postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null
    target_sql postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null
}

# --- 1. text COPY in the source's odd output settings ---------------------------------------
# Enum, domain and composite columns send a table in text format; the source
# database prints dates day first, floats short and bytea escaped, the target
# database reads with settings of its own. `day` is the day of the month of
# every date: above 12 a swapped day and month is an error, at 12 or below it
# would pass silently.
text_fidelity() { # database day
    local db=$1 day=$2
    fresh_source "$db"
    source_sql "$db" >/dev/null <<SQL
ALTER DATABASE $db SET datestyle = 'SQL, DMY';
ALTER DATABASE $db SET intervalstyle = 'sql_standard';
ALTER DATABASE $db SET extra_float_digits = 0;
ALTER DATABASE $db SET bytea_output = 'escape';
ALTER DATABASE $db SET TimeZone = 'Asia/Kolkata';
SQL
    source_sql "$db" >/dev/null <<SQL
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN recent AS date CHECK (VALUE > '1900-01-01');
CREATE TYPE moment AS (d date, ts timestamp, tstz timestamptz, i interval, f8 float8);
CREATE TABLE with_enum (id int PRIMARY KEY, feeling mood, d date, ts timestamp, tstz timestamptz,
                        i interval, f4 float4, f8 float8, b bytea);
INSERT INTO with_enum
SELECT g, (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood,
       make_date(2024, 1 + g % 12, $day), make_timestamp(2023, 1 + g % 12, $day, 10, 11, 12.345678),
       make_timestamptz(2022, 1 + g % 12, $day, 23, 59, 59.5, 'UTC'),
       make_interval(1, 2, 0, g, -4, -5, -6.5) * (CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END),
       1::float4 / (g + 2), 0.1::float8 * g + 0.2, decode(md5(g::text) || '00ff5c27', 'hex')
FROM generate_series(1, 40) g;
CREATE TABLE with_domain (id int PRIMARY KEY, d recent, ts timestamptz, f8 float8);
INSERT INTO with_domain
SELECT g, make_date(2000 + g, 1 + g % 12, $day), make_timestamptz(2021, 1 + g % 12, $day, 1, 2, 3, '+05'),
       pi() * g
FROM generate_series(1, 30) g;
CREATE TABLE with_composite (id int PRIMARY KEY, m moment);
INSERT INTO with_composite
SELECT g, ROW(make_date(2019, 1 + g % 12, $day), make_timestamp(2018, 1 + g % 12, $day, 4, 5, 6.75),
              make_timestamptz(2017, 1 + g % 12, $day, 7, 8, 9, 'UTC'),
              make_interval(0, 0, 0, -g, 3, 0, 0.25), exp(g::float8 / 7))::moment
FROM generate_series(1, 30) g;
SQL
    ivory_on "$db" copyschema
    expect_status 0 "text ($db): copyschema"
    # The target database reads in settings of its own as well.
    target_sql "$db" -c "ALTER DATABASE $db SET datestyle = 'SQL, MDY'" \
        -c "ALTER DATABASE $db SET intervalstyle = 'sql_standard'" >/dev/null
    replication "$db" create
    expect_status 0 "text ($db): replication create"
    replication "$db" start --wait
    expect_status 0 "text ($db): replication start --wait"
    expect_in "initial copy done: 3 table(s) (0 in binary format)" "$ERR" \
        "text ($db): every table goes in text format"
    for table in with_enum with_domain with_composite; do
        expect_same_rows "$db" $table "text ($db): $table arrives equal"
    done
    drop_replication "$db" "text ($db)"
    ivory_objects_left "$db" "text ($db)"
    drop_databases "$db"
}
text_fidelity fidelity_late_days 13
text_fidelity fidelity_early_days 5

# --- 2. reg* columns travel as names ---------------------------------------------------------
db=fidelity_reg
fresh_source $db
# Objects made and dropped first move the source's OIDs away from the
# target's, so that an OID sent as such would name nothing or another object.
source_sql $db >/dev/null <<'SQL'
DO $$ BEGIN
    FOR i IN 1..300 LOOP EXECUTE format('CREATE TABLE filler_%s (a int)', i); END LOOP;
    FOR i IN 1..300 LOOP EXECUTE format('DROP TABLE filler_%s', i); END LOOP;
END $$;
CREATE SCHEMA elsewhere;
CREATE TABLE referenced_one (id int PRIMARY KEY);
CREATE TABLE elsewhere.referenced_two (id int PRIMARY KEY);
CREATE TYPE colour AS ENUM ('red');
CREATE FUNCTION shout(text) RETURNS text LANGUAGE sql AS 'SELECT upper($1)';
CREATE FUNCTION elsewhere.whisper(text) RETURNS text LANGUAGE sql AS 'SELECT lower($1)';
CREATE OPERATOR elsewhere.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);
CREATE TABLE named_objects (id int PRIMARY KEY, rel regclass, typ regtype, procs regproc[],
                            signature regprocedure, space regnamespace, op regoper,
                            op_signature regoperator);
INSERT INTO named_objects VALUES
    (1, 'referenced_one', 'colour', ARRAY['shout', 'elsewhere.whisper']::regproc[],
     'shout(text)', 'elsewhere', 'elsewhere.===', 'elsewhere.===(int, int)'),
    (2, 'elsewhere.referenced_two', 'referenced_one', ARRAY['pg_catalog.now']::regproc[],
     'elsewhere.whisper(text)', 'public', NULL, '+(int, int)'),
    (3, 'pg_class', 'int4', '{}', NULL, NULL, NULL, NULL);
SQL
copy_and_start $db "reg*"
if [ "$(source_sql $db -c "SELECT 'referenced_one'::regclass::oid")" != \
    "$(target_sql $db -c "SELECT 'referenced_one'::regclass::oid")" ]; then
    pass "reg*: the referenced objects have other OIDs on the target"
else
    fail "reg*: the referenced objects have the same OIDs on both sides: the test proves nothing"
fi
expect_same_rows $db named_objects "reg*: reg* columns arrive naming the same objects"
expect_count "referenced_one colour {shout,elsewhere.whisper}" \
    "$(target_sql $db -c "SELECT concat_ws(' ', rel, typ, procs) FROM named_objects WHERE id = 1")" \
    "reg*: the names read on the target"
drop_replication $db "reg*"
ivory_objects_left $db "reg*"
drop_databases $db

# --- 4. indexes and keys rebuilt after the data keep their metadata --------------------------
# A tablespace of the same name on each cluster, in a directory the server's
# OS user owns.
for side in source target; do
    space_dir="$IVORY_TEST_DIR/fidelity_space_$side"
    mkdir -p "$space_dir"
    [ "$(id -u)" = 0 ] && chown postgres "$space_dir"
    port=$SOURCE_PORT
    [ $side = target ] && port=$TARGET_PORT
    sql "$port" postgres -c "CREATE TABLESPACE fidelity_space LOCATION '$space_dir'" >/dev/null
done

# The schema of the database's public schema as pg_dump writes it, without
# the \restrict lines (random keys) and the header naming the versions.
public_schema_dump() { # port database
    pg_dump -h "$HOST" -p "$1" -U postgres --schema-only --schema=public "$2" |
        grep -vE '^\\(un)?restrict |^-- Dumped (from|by) '
}

db=fidelity_indexes
fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE TABLE indexed (id int NOT NULL, code text NOT NULL, note text, amount numeric);
ALTER TABLE indexed ADD CONSTRAINT indexed_pkey PRIMARY KEY (id) WITH (fillfactor = 80)
    USING INDEX TABLESPACE fidelity_space;
COMMENT ON CONSTRAINT indexed_pkey ON indexed IS 'the key';
ALTER TABLE indexed ADD CONSTRAINT indexed_code_key UNIQUE (code);
COMMENT ON CONSTRAINT indexed_code_key ON indexed IS 'codes are unique';
CREATE INDEX indexed_note_idx ON indexed (note) WITH (fillfactor = 70) TABLESPACE fidelity_space;
COMMENT ON INDEX indexed_note_idx IS 'notes, in their own tablespace';
CREATE INDEX indexed_lower_idx ON indexed (lower(note), amount) WHERE amount > 0;
ALTER INDEX indexed_lower_idx ALTER COLUMN 1 SET STATISTICS 500;
ALTER INDEX indexed_lower_idx SET (deduplicate_items = off);
ALTER TABLE indexed CLUSTER ON indexed_note_idx;
INSERT INTO indexed SELECT g, 'c' || g, 'Note ' || g, g - 10 FROM generate_series(1, 2000) g;
SQL
copy_and_start $db "indexes"
expect_in "4 index(es) and key(s) built after the data" "$ERR" \
    "indexes: the indexes and keys were built after the data"
source_dump=$(public_schema_dump "$SOURCE_PORT" $db)
target_dump=$(public_schema_dump "$TARGET_PORT" $db)
if [ -n "$source_dump" ] && [ "$source_dump" = "$target_dump" ]; then
    pass "indexes: pg_dump --schema-only of source and target are identical"
else
    fail "indexes: the schema dumps differ" \
        "$(diff <(printf '%s\n' "$source_dump") <(printf '%s\n' "$target_dump"))"
fi
expect_same_rows $db indexed "indexes: the rows arrive"
drop_replication $db "indexes"
ivory_objects_left $db "indexes"
drop_databases $db
source_sql postgres -c "DROP TABLESPACE fidelity_space" >/dev/null
target_sql postgres -c "DROP TABLESPACE fidelity_space" >/dev/null

# --- 6. the owners' code runs as the owner, not as ivory's caller ----------------------------
# The owner of the tables is no superuser; its trigger (ENABLE ALWAYS, so it
# fires under session_replication_role = replica), its CHECK constraint and
# its domain check try to make it superuser when they run in a copy, and
# count their calls in a sequence.
db=fidelity_owner
for port in "$SOURCE_PORT" "$TARGET_PORT"; do
    sql "$port" postgres -c "CREATE ROLE fidelity_owner LOGIN" >/dev/null
done
superusers_on_target() {
    target_sql postgres -c "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolsuper"
}
superusers_before=$(superusers_on_target)
fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE SCHEMA owned AUTHORIZATION fidelity_owner;
SET ROLE fidelity_owner;
CREATE SEQUENCE owned.calls;
CREATE FUNCTION owned.promote() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.nextval('owned.calls');
    IF pg_catalog.current_setting('session_replication_role') = 'replica' THEN
        BEGIN
            EXECUTE 'ALTER ROLE fidelity_owner SUPERUSER';
        EXCEPTION WHEN OTHERS THEN
            NULL; -- quietly, so that the copy goes on
        END;
    END IF;
    RETURN true;
END $$;
CREATE FUNCTION owned.promote_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM owned.promote();
    RETURN NEW;
END $$;
CREATE DOMAIN owned.checked_int AS int CHECK (owned.promote());
CREATE TABLE owned.triggered (id int PRIMARY KEY, v text);
CREATE TRIGGER promote_on_insert BEFORE INSERT ON owned.triggered
    FOR EACH ROW EXECUTE FUNCTION owned.promote_trigger();
ALTER TABLE owned.triggered ENABLE ALWAYS TRIGGER promote_on_insert;
CREATE TABLE owned.checked (id int PRIMARY KEY, v text CHECK (owned.promote()));
CREATE TABLE owned.domained (id int PRIMARY KEY, v owned.checked_int);
INSERT INTO owned.triggered SELECT g, 'v' || g FROM generate_series(1, 20) g;
INSERT INTO owned.checked SELECT g, 'v' || g FROM generate_series(1, 20) g;
INSERT INTO owned.domained SELECT g, g FROM generate_series(1, 20) g;
SQL
ivory_on $db copyschema
expect_status 0 "owner: copyschema"
replication $db create
expect_status 0 "owner: replication create"
replication $db start --wait
echo "owner: replication start --wait exited $STATUS" # either way, as long as no power leaked
expect_count f "$(target_sql postgres -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'fidelity_owner'")" \
    "owner: the table owner did not become superuser on the target"
expect_count "$superusers_before" "$(superusers_on_target)" "owner: no role became superuser on the target"
if [ "$STATUS" -eq 0 ]; then
    expect_count t "$(target_sql $db -c "SELECT is_called FROM owned.calls")" \
        "owner: the owner's trigger and checks ran during the copy"
    for table in owned.triggered owned.checked owned.domained; do
        expect_same_rows $db $table "owner: $table arrives"
    done
else
    # A failed start must have failed for want of the power, nothing else.
    expect_in "permission denied" "$ERR" "owner: the start failed on a privilege check"
fi
drop_replication $db "owner"
ivory_objects_left $db "owner"
drop_databases $db
for port in "$SOURCE_PORT" "$TARGET_PORT"; do
    sql "$port" postgres -c "DROP ROLE fidelity_owner" >/dev/null
done

integration_summary
