#!/usr/bin/env bash
# CLI integration tests of `ivory copyschema`: the installed `ivory` against
# the clusters that run_tests.sh started ($IVORY_TEST_DIR, $SOURCE_PORT,
# $TARGET_PORT). Prints "ok"/"not ok" per assertion and ends with
# "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

# SQL read from standard input with the database name as psql variable :db /
# :"db" / :'db', so that names with quotes need no escaping here.
sql_with_db() { # port database-to-connect-to db-variable
    psql -X -q -At -h "$HOST" -p "$1" -U postgres -d "$2" -v ON_ERROR_STOP=1 -v db="$3"
}

# A new database of that name on both clusters, from template0.
fresh_named_pair() { # name
    echo 'CREATE DATABASE :"db" TEMPLATE template0' | sql_with_db "$SOURCE_PORT" postgres "$1"
    echo 'CREATE DATABASE :"db" TEMPLATE template0' | sql_with_db "$TARGET_PORT" postgres "$1"
}

# ivory copyschema from the source database to the target database of the
# same name; further arguments go after `copyschema`.
copyschema() { # database [copyschema options...]
    local database=$1
    shift
    run ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user postgres \
        --source-dbname "$database" --target-host "$HOST" --target-port "$TARGET_PORT" \
        --target-user postgres --target-dbname "$database" copyschema "$@"
}

# The schema as pg_dump --schema-only writes it, without the ivory extension
# (and its schema) and without the \restrict lines, whose key is random: the
# archive's table of contents is filtered, so the rest comes out exactly as
# pg_dump would print it.
schema_dump() { # port database
    local archive="$TMPDIR/schema.dump" list="$TMPDIR/schema.list"
    pg_dump -h "$HOST" -p "$1" -U postgres --schema-only -Fc -f "$archive" "$2" &&
        pg_restore -l "$archive" | grep -v ivory >"$list" &&
        pg_restore -L "$list" -f - "$archive" | grep -vE '^\\(un)?restrict '
}

expect_same_schema() { # database name
    local source_dump target_dump
    source_dump=$(schema_dump "$SOURCE_PORT" "$1")
    target_dump=$(schema_dump "$TARGET_PORT" "$1")
    if [ -z "$source_dump" ]; then
        fail "$2: could not dump the source schema"
    elif [ "$source_dump" = "$target_dump" ]; then
        pass "$2"
    else
        fail "$2" "$(diff <(printf '%s\n' "$source_dump") <(printf '%s\n' "$target_dump"))"
    fi
}

# The rows of every user table (not materialized views, which
# pg_dump --schema-only leaves unpopulated), summed.
count_all_rows() { # port database
    sql "$1" "$2" -c "SELECT coalesce(sum((xpath('/row/c/text()', query_to_xml(
        format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]
        ::text::bigint), 0)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'ivory')
       AND n.nspname NOT LIKE 'pg_toast%'"
}

marker_rows() { # database
    target_sql "$1" -c "SELECT count(*) FROM copyschema_marker" 2>/dev/null
}

add_marker() { # database
    target_sql "$1" -c "CREATE TABLE copyschema_marker (note text)" \
        -c "INSERT INTO copyschema_marker VALUES ('keep me')"
}

# --- a rich schema --------------------------------------------------------------
# Names with capitals, spaces, quotes and unicode, in the schema and in the
# database name. The schema must not contain the word "ivory", which
# schema_dump filters out.
rich='Rich "Copy" Ä'
fresh_named_pair "$rich"
echo 'CREATE TABLE left_over (id int)' | sql_with_db "$TARGET_PORT" "$rich" "$rich"
sql_with_db "$SOURCE_PORT" "$rich" "$rich" <<'SQL'
CREATE SCHEMA "Sales ""EU"" Dept";
COMMENT ON SCHEMA "Sales ""EU"" Dept" IS 'Sales of the EU department';
SET search_path = "Sales ""EU"" Dept", public;
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');
CREATE DOMAIN positive_amount AS numeric(12, 2) CHECK (VALUE > 0);
CREATE TYPE postal_address AS (street text, city text, zip varchar(10));
CREATE TABLE customers (
    id serial PRIMARY KEY,
    name text NOT NULL,
    "home address" postal_address,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customers IS 'People who buy';
COMMENT ON COLUMN customers."home address" IS 'Where the invoices go';
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    status order_status NOT NULL DEFAULT 'new',
    total positive_amount,
    quantity integer CONSTRAINT sensible_quantity CHECK (quantity BETWEEN 1 AND 1000),
    updated_at timestamptz
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE TABLE "Kunden Ä" (nummer integer PRIMARY KEY, "Straße" text);
CREATE VIEW open_orders AS
    SELECT o.id, c.name, o.total FROM orders o JOIN customers c ON c.id = o.customer_id
     WHERE o.status <> 'shipped';
COMMENT ON VIEW open_orders IS 'Not yet shipped';
CREATE MATERIALIZED VIEW revenue_by_customer AS
    SELECT customer_id, sum(total) AS revenue FROM orders GROUP BY customer_id;
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE public."select" (
    id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    "order by" text DEFAULT 'nothing',
    "from" integer UNIQUE
);
COMMENT ON COLUMN public."select"."order by" IS 'A column with a space in its name';
CREATE TABLE public.measurements (
    id bigserial,
    taken_on date NOT NULL,
    reading double precision CHECK (reading >= 0),
    PRIMARY KEY (id, taken_on)
) PARTITION BY RANGE (taken_on);
CREATE TABLE public.measurements_2023 PARTITION OF public.measurements
    FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE public.measurements_2024 PARTITION OF public.measurements
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.measurements_2025 PARTITION OF public.measurements
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

INSERT INTO customers (name, "home address") VALUES ('Ada', ROW('Main St 1', 'Bonn', '53111')),
    ('Grace', NULL);
INSERT INTO orders (customer_id, status, total, quantity) VALUES (1, 'paid', 10.50, 2),
    (2, 'new', 99.99, 1);
UPDATE orders SET quantity = 3 WHERE id = 1;
INSERT INTO "Kunden Ä" VALUES (1, 'Königsallee');
INSERT INTO public."select" ("order by", "from") VALUES ('first', 1), ('second', 2);
INSERT INTO public.measurements (taken_on, reading) VALUES ('2023-06-01', 1.5),
    ('2024-06-01', 2.5), ('2025-06-01', 3.5);
REFRESH MATERIALIZED VIEW revenue_by_customer;
SQL
if [ "$(count_all_rows "$SOURCE_PORT" "$rich")" -gt 0 ]; then
    pass "the rich source schema has rows"
else
    fail "the rich source schema has rows"
fi
copyschema "$rich"
expect_status 0 "copyschema of a rich schema"
expect_in "schema copied:" "$ERR" "copyschema logs a summary of what it created"
expect_in "to build the new target database $rich in" "$ERR" "copyschema says it builds the new target database beside the old one"
expect_in "replaced target database $rich with the new one" "$ERR" "copyschema says it replaced the target database"
expect_same_schema "$rich" "source and target schemas dump identically"
left_over=$(echo "SELECT count(*) FROM pg_class WHERE relname = 'left_over'" |
    sql_with_db "$TARGET_PORT" "$rich" "$rich")
if [ "$left_over" = 0 ]; then
    pass "the old target database is gone (its table with it)"
else
    fail "the old target database is gone: left_over is still there"
fi
target_rows=$(count_all_rows "$TARGET_PORT" "$rich")
if [ "$target_rows" = 0 ]; then
    pass "every target table is empty"
else
    fail "every target table is empty: $target_rows rows"
fi
comment=$(echo "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :'db'" |
    sql_with_db "$TARGET_PORT" postgres "$rich")
if printf '%s' "$comment" |
    grep -qE '^Created via ivory on [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC$'; then
    pass "the target database is commented 'Created via ivory on <UTC timestamp>'"
else
    fail "the target database's comment" "$comment"
fi
ivory_check "$rich"
expect_status 0 "ivory check after copyschema"

copyschema "$rich"
expect_status 0 "copyschema a second time in a row"
expect_same_schema "$rich" "source and target schemas still dump identically after the second run"

# --- encoding, collation, ctype and connection limit --------------------------------
source_sql postgres -c "CREATE DATABASE ascii_c ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' \
    CONNECTION LIMIT 7 TEMPLATE template0"
source_sql ascii_c -c "CREATE TABLE items (id int PRIMARY KEY, label text)"
copyschema ascii_c -d template1
expect_status 0 "copyschema of a SQL_ASCII database (through --maintenance-db template1)"
expect_in "from template0" "$ERR" "copyschema uses template0 for another encoding and locale"
settings=$(target_sql postgres -c "SELECT pg_encoding_to_char(encoding) || ' ' || datcollate || ' ' ||
    datctype || ' ' || datconnlimit FROM pg_database WHERE datname = 'ascii_c'")
if [ "$settings" = "SQL_ASCII C C 7" ]; then
    pass "the target database has the source's encoding, collation, ctype and connection limit"
else
    fail "the target database's settings: '$settings', expected 'SQL_ASCII C C 7'"
fi
expect_same_schema ascii_c "the SQL_ASCII database's schema is copied"

# --- the target database is in use ---------------------------------------------------
fresh_named_pair busy
add_marker busy
PGAPPNAME=copyschema_busy_test psql -X -q -h "$HOST" -p "$TARGET_PORT" -U postgres -d busy \
    -c 'SELECT pg_sleep(30)' >/dev/null 2>&1 &
busy_client=$!
busy_pid=
for _ in $(seq 50); do
    busy_pid=$(target_sql postgres -c "SELECT pid FROM pg_stat_activity
        WHERE application_name = 'copyschema_busy_test' AND datname = 'busy'")
    [ -n "$busy_pid" ] && break
    sleep 0.1
done
copyschema busy
expect_status 1 "copyschema into a database in use"
expect_in "target database busy is in use by 1 session(s)" "$ERR" "the error says the database is in use"
expect_in "pid $busy_pid (" "$ERR" "the error names the session's pid ($busy_pid)"
expect_in "application copyschema_busy_test" "$ERR" "the error names the session's application"
if [ "$(marker_rows busy)" = 1 ]; then
    pass "a database in use keeps its data"
else
    fail "a database in use keeps its data"
fi
[ -n "$busy_pid" ] && target_sql postgres -c "SELECT pg_terminate_backend($busy_pid)" >/dev/null
wait "$busy_client" 2>/dev/null

# --- the source is the target ----------------------------------------------------------
echo 'CREATE DATABASE :"db" TEMPLATE template0' | sql_with_db "$TARGET_PORT" postgres same_db
add_marker same_db
run ivory --source-host "$HOST" --source-port "$TARGET_PORT" --source-user postgres \
    --source-dbname same_db --target-host "$HOST" --target-port "$TARGET_PORT" \
    --target-user postgres --target-dbname same_db copyschema
expect_status 1 "copyschema with the target database as source"
expect_in "the source database is target database same_db itself" "$ERR" "the error says source and target are the same"
if [ "$(marker_rows same_db)" = 1 ]; then
    pass "a source that is the target is not dropped"
else
    fail "a source that is the target is not dropped"
fi

# --- an unreachable source ---------------------------------------------------------------
fresh_named_pair unreachable
add_marker unreachable
run ivory --source-host 127.0.0.1 --source-port 1 --source-user postgres \
    --source-password Hunter2secret --source-dbname unreachable --target-host "$HOST" \
    --target-port "$TARGET_PORT" --target-user postgres --target-dbname unreachable copyschema
expect_status 1 "copyschema from an unreachable source"
expect_in "could not connect to the source database" "$ERR" "the error names the source"
expect_not_in "Hunter2secret" "$OUT$ERR" "the source password is not printed"
if [ "$(marker_rows unreachable)" = 1 ]; then
    pass "an unreachable source leaves the target database untouched"
else
    fail "an unreachable source leaves the target database untouched"
fi

# --- the source's owner does not exist on the target ---------------------------------------
source_sql postgres -c "CREATE ROLE copyschema_source_only" \
    -c "CREATE DATABASE orphan OWNER copyschema_source_only TEMPLATE template0"
echo 'CREATE DATABASE :"db" TEMPLATE template0' | sql_with_db "$TARGET_PORT" postgres orphan
add_marker orphan
copyschema orphan
expect_status 1 "copyschema when the owner role is missing on the target"
expect_in "role copyschema_source_only" "$ERR" "the error names the missing owner role"
if [ "$(marker_rows orphan)" = 1 ]; then
    pass "a missing owner leaves the target database untouched"
else
    fail "a missing owner leaves the target database untouched"
fi

# --- the schema cannot be applied ------------------------------------------------------------
# A table owned by a role that exists only on the source: the database is
# re-created, but ivory.copy_schema fails on ALTER TABLE ... OWNER TO.
fresh_named_pair foreign_owner
add_marker foreign_owner
source_sql postgres -c "CREATE ROLE copyschema_table_owner"
source_sql foreign_owner -c "CREATE TABLE kept (id int PRIMARY KEY)" \
    -c "CREATE TABLE owned (id int PRIMARY KEY)" -c "ALTER TABLE owned OWNER TO copyschema_table_owner"
copyschema foreign_owner
expect_status 1 "copyschema when the schema cannot be applied"
expect_in 'role "copyschema_table_owner" does not exist' "$ERR" "the server's error is shown"
expect_in "target database foreign_owner is unchanged" "$ERR" "the error says the target database is unchanged"
if [ "$(marker_rows foreign_owner)" = 1 ]; then
    pass "a failed schema copy leaves the target database as it was"
else
    fail "a failed schema copy leaves the target database as it was"
fi

# --- no target database name ------------------------------------------------------------------
run ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user postgres \
    --source-dbname orphan --target-host "$HOST" --target-port "$TARGET_PORT" \
    --target-user postgres copyschema
expect_status 1 "copyschema without --target-dbname"
expect_in "--target-dbname" "$ERR" "the error asks for --target-dbname"

# --- a source database with an ACL -----------------------------------------------------------
fresh_named_pair with_acl
source_sql postgres -c "CREATE ROLE copyschema_acl_reader" \
    -c "GRANT CONNECT ON DATABASE with_acl TO copyschema_acl_reader"
copyschema with_acl
expect_status 0 "copyschema of a database with an ACL"
acl_warning=$(printf '%s\n' "$ERR" | grep '| WARNING  |')
expect_in "database ACLs are not copied" "$acl_warning" "a WARNING says database ACLs are not copied"
expect_in "copyschema_acl_reader=c/postgres" "$acl_warning" "the warning shows the source's ACL"

# --- a target database with a subscription ----------------------------------------------
fresh_named_pair subscribed
add_marker subscribed
target_sql subscribed -c "CREATE SUBSCRIPTION copyschema_keeper CONNECTION 'host=$HOST port=$SOURCE_PORT dbname=subscribed' PUBLICATION nothing WITH (connect = false)" 2>/dev/null
copyschema subscribed
expect_status 1 "copyschema into a database with a subscription"
expect_in "has subscriptions (copyschema_keeper)" "$ERR" "the error names the subscription"
if [ "$(marker_rows subscribed)" = 1 ]; then
    pass "a database with a subscription keeps its data"
else
    fail "a database with a subscription keeps its data"
fi
target_sql subscribed -c "DROP SUBSCRIPTION copyschema_keeper" >/dev/null

# --- nothing left beside the target ------------------------------------------------------
side=$(target_sql postgres -c "SELECT string_agg(datname, ', ') FROM pg_database
    WHERE datname LIKE 'ivory\_copyschema\_%'")
if [ -z "$side" ]; then
    pass "no database of copyschema's own is left on the target server"
else
    fail "databases left on the target server: $side"
fi

integration_summary
