#!/usr/bin/env bash
# One (source version, target version) pair of the migration matrix, end to
# end with the installed `ivory` command:
#
#   test/migration_matrix.sh SOURCE_BINDIR TARGET_BINDIR
#
# SOURCE_BINDIR holds initdb, pg_ctl and postgres of the source's version (an
# embedded server without clients will do); TARGET_BINDIR is a full
# PostgreSQL's bin directory (psql, pg_dump, pgbench, pg_config) with the
# extension installed in it (`make install PG_CONFIG=TARGET_BINDIR/pg_config`,
# which also installs the `ivory` command). Its clients serve both sides.
#
# Starts its own two throwaway clusters (test/cluster.sh, ports from 56000 up),
# loads a schema with most kinds of objects and a pgbench schema into the
# source, and goes through check, copyschema, replication create, start and
# status while pgbench and a second writer write to the source, then
# syncsequences, verify, switchover, unlock-source, replication stop and drop.
# Then every table must be equal row for row, every identity and serial column
# must continue past the source's values on the target, and nothing of ivory
# may be left on the source. Prints "ok"/"not ok" per assertion, each named
# with the versions ("12->15: ..."), and ends with
# "integration: N passed, M failed". Exit status 0 when nothing failed.
#
#   MATRIX_WRITE_SECONDS  how long the writers run (default 8)
#   MATRIX_PGBENCH_RATE   pgbench's transactions per second (default 100; the
#                         machine must keep up with the apply on 2 cores)
set -uo pipefail

if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
    echo "usage: $0 SOURCE_BINDIR TARGET_BINDIR (two bin directories)" >&2
    echo "integration: 0 passed, 1 failed"
    exit 2
fi
set -- "$(cd "$1" && pwd)" "$(cd "$2" && pwd)" # before the cd below
cd "$(dirname "$0")/.." || exit 2
# Both sides' rows are rendered by the same client settings (timestamptz).
export PGTZ=UTC PGDATESTYLE=ISO
WRITE_SECONDS=${MATRIX_WRITE_SECONDS:-8}
PGBENCH_RATE=${MATRIX_PGBENCH_RATE:-100}
STARTED=$SECONDS

source test/lib_pair.sh
pair_start "$1" "$2" 56000
P=$PAIR
TARGET_MAJOR=${TARGET_VERSION%%.*}
SOURCE_MAJOR=${SOURCE_VERSION%%.*}
WRITERS=()
cleanup() {
    local pid
    for pid in "${WRITERS[@]}"; do kill "$pid" 2>/dev/null; done
    clusters_teardown
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, as in run_tests.sh
DB=matrix

# Gives up: the remaining steps cannot run.
abort() {
    fail "$P: $1" "${2:-}"
    echo "# $P: stopped after $((SECONDS - STARTED)) s"
    integration_summary
    exit 1
}

# ivory as lib_integration.sh's ivory_on, but reaching the source over TCP, as
# a migration to another machine does: ivory_tester and the replication role
# log in with scram-sha-256 on 127.0.0.1.
ivory_on() { # database command [options...]
    local database=$1
    shift
    run ivory --source-host 127.0.0.1 --source-port "$SOURCE_PORT" --source-user ivory_tester \
        --source-password "$SOURCE_PASSWORD" --source-dbname "$database" \
        --target-host "$HOST" --target-port "$TARGET_PORT" --target-user postgres \
        --target-dbname "$database" "$@"
}

# Every user table of the source: plain, partitioned and partitions. Not
# lib_integration.sh's user_tables: pg_stat_user_tables lists partitioned
# tables only on newer versions, and materialized views, which the schema copy
# leaves unpopulated (they are compared once refreshed).
matrix_tables() {
    source_sql $DB -c "SELECT format('%I.%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%'
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1"
}

# True when every table of matrix_tables has the same rows on both sides;
# the others are in $MISMATCHED.
all_tables_match() {
    local table source_md5
    MISMATCHED=""
    while IFS= read -r table; do
        [ -n "$table" ] || continue
        source_md5=$(table_md5 "$SOURCE_PORT" $DB "$table" 2>&1)
        if [ -z "$source_md5" ] || [ "$source_md5" != "$(table_md5 "$TARGET_PORT" $DB "$table" 2>&1)" ]; then
            MISMATCHED="$MISMATCHED $table"
        fi
    done <<<"$TABLES"
    [ -z "$MISMATCHED" ]
}

# Whether a new session on the source may write.
source_write() { # sql
    run psql -X -q -At -h "$HOST" -p "$SOURCE_PORT" -U postgres -d $DB -v ON_ERROR_STOP=1 -c "$1"
}

# --- the pair -------------------------------------------------------------------------
for tool in psql pg_dump pgbench pg_config; do
    [ -x "$TARGET_BINDIR/$tool" ] || abort "the target's bin directory $TARGET_BINDIR has no $tool"
done
pass "$P: source $SOURCE_BINDIR, target $TARGET_BINDIR, ports $SOURCE_PORT and $TARGET_PORT"
TARGET_SHAREDIR=$(pg_config --sharedir)
if [ -f "$TARGET_SHAREDIR/extension/ivory.control" ] && [ -f "$(pg_config --pkglibdir)/ivory.so" ]; then
    pass "$P: the extension is installed in the target's PostgreSQL"
else
    abort "no ivory.control in $TARGET_SHAREDIR/extension or no ivory.so in $(pg_config --pkglibdir)" \
        "run make install PG_CONFIG=$TARGET_BINDIR/pg_config"
fi
run ivory --version
[ "$STATUS" -eq 0 ] || abort "ivory --version: exit $STATUS (is the command on PATH?)" "$ERR"
pass "$P: $(printf '%s' "$OUT" | head -1)"

# --- 1. the source's schema and data --------------------------------------------------
step=$SECONDS
source_sql postgres -c "CREATE DATABASE $DB TEMPLATE template0" \
    -c "CREATE ROLE ivory_tester LOGIN SUPERUSER PASSWORD '$SOURCE_PASSWORD'" >/dev/null ||
    abort "could not create the source database and ivory_tester"
# Written for PostgreSQL 12 to 19. Rows are deterministic where they can be;
# timestamps come from now() and are rendered in UTC (PGTZ).
run source_sql $DB <<'SQL'
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
CREATE DOMAIN positive_amount AS numeric(12,2) CHECK (VALUE > 0);

CREATE TABLE customers (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    email text UNIQUE,
    ref uuid NOT NULL,
    joined date NOT NULL DEFAULT DATE '2020-01-01'
);
CREATE TABLE products (
    id serial PRIMARY KEY,
    sku text NOT NULL UNIQUE,
    price positive_amount NOT NULL,
    tags text[]
);
CREATE TABLE orders (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers (id),
    status order_status NOT NULL DEFAULT 'new',
    placed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE TABLE order_items (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line int NOT NULL,
    product_id int NOT NULL REFERENCES products (id),
    quantity int NOT NULL CHECK (quantity > 0),
    unit_price positive_amount NOT NULL,
    total numeric(14,2) GENERATED ALWAYS AS (quantity * unit_price) STORED,
    PRIMARY KEY (order_id, line)
);
CREATE TABLE shipments (
    id int GENERATED BY DEFAULT AS IDENTITY (START WITH 1000 INCREMENT BY 5) PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    shipped_on date NOT NULL
);
-- Filled by a trigger on orders (on the target only after the switchover:
-- the apply worker does not fire ordinary triggers).
CREATE TABLE order_audit (
    id bigserial PRIMARY KEY,
    order_id bigint NOT NULL,
    status order_status NOT NULL,
    noted_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION note_order_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.order_audit (order_id, status) VALUES (NEW.id, NEW.status);
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_note_status AFTER INSERT OR UPDATE OF status ON orders
    FOR EACH ROW EXECUTE FUNCTION note_order_status();

CREATE TABLE measurements (
    id bigserial,
    taken_on date NOT NULL,
    sensor int NOT NULL,
    reading double precision,
    PRIMARY KEY (id, taken_on)
) PARTITION BY RANGE (taken_on);
CREATE TABLE measurements_2023 PARTITION OF measurements
    FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE measurements_2024 PARTITION OF measurements
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements_2025 PARTITION OF measurements
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE measurements_other PARTITION OF measurements DEFAULT;

-- No key at all, equal rows included.
CREATE TABLE event_log (at timestamptz NOT NULL, kind text NOT NULL, payload jsonb);
ALTER TABLE event_log REPLICA IDENTITY FULL;

CREATE VIEW customer_totals AS
    SELECT c.id, c.name, count(DISTINCT o.id) AS orders, coalesce(sum(i.total), 0) AS spent
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.id
    LEFT JOIN order_items i ON i.order_id = o.id
    GROUP BY c.id, c.name;
CREATE MATERIALIZED VIEW sensor_summary AS
    SELECT sensor, count(*) AS readings, min(reading) AS lowest, max(reading) AS highest,
           min(taken_on) AS first_day
    FROM measurements GROUP BY sensor;

INSERT INTO customers (name, email, ref)
    SELECT 'customer ' || g, 'c' || g || '@example.com', md5(g::text)::uuid
    FROM generate_series(1, 500) g;
INSERT INTO products (sku, price, tags)
    SELECT 'sku-' || g, (g % 97) + 0.99, ARRAY['tag' || (g % 5), 'line ' || (g % 3)]
    FROM generate_series(1, 100) g;
INSERT INTO orders (customer_id, status, placed_at)
    SELECT 1 + g % 500, (ARRAY['new', 'paid', 'shipped', 'cancelled']::order_status[])[1 + g % 4],
           TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * interval '37 minutes'
    FROM generate_series(1, 2000) g;
INSERT INTO order_items (order_id, line, product_id, quantity, unit_price)
    SELECT o.n, l.n, p.id, 1 + (o.n + l.n) % 5, p.price
    FROM generate_series(1, 2000) AS o(n)
    CROSS JOIN generate_series(1, 2) AS l(n)
    JOIN products p ON p.id = 1 + (o.n * l.n) % 100;
INSERT INTO shipments (order_id, shipped_on)
    SELECT id, DATE '2024-01-02' + (id % 300)::int FROM orders WHERE status = 'shipped';
INSERT INTO measurements (taken_on, sensor, reading)
    SELECT DATE '2022-07-01' + g % 1460, 1 + g % 20, g / 7.0 FROM generate_series(1, 1500) g;
INSERT INTO event_log (at, kind, payload)
    SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * interval '1 minute', 'load',
           jsonb_build_object('n', g, 'even', g % 2 = 0)
    FROM generate_series(1, 500) g;
INSERT INTO event_log SELECT * FROM event_log WHERE (payload ->> 'n')::int <= 20;
REFRESH MATERIALIZED VIEW sensor_summary;
SQL
expect_status 0 "$P: the rich schema and its rows load on the source"
run pgbench -i -q -s 1 -h "$HOST" -p "$SOURCE_PORT" -U postgres $DB
expect_status 0 "$P: pgbench -i -s 1 on the source (pgbench of $TARGET_MAJOR)"
# pgbench_history has no key either: logical replication carries its inserts,
# ivory check wants a replica identity.
source_sql $DB -c "ALTER TABLE pgbench_history REPLICA IDENTITY FULL" >/dev/null
expect_count 4 "$(source_sql $DB -c "SELECT count(*) FROM pg_inherits
    WHERE inhparent = 'measurements'::regclass
      AND (SELECT count(*) FROM measurements_2023) > 0 AND (SELECT count(*) FROM measurements_2024) > 0
      AND (SELECT count(*) FROM measurements_2025) > 0 AND (SELECT count(*) FROM measurements_other) > 0")" \
    "$P: the partitioned table has four partitions, each with rows"
TABLES=$(matrix_tables)
source_rows=$(source_sql $DB -c "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM products)
    + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items) + (SELECT count(*) FROM shipments)
    + (SELECT count(*) FROM order_audit) + (SELECT count(*) FROM measurements)
    + (SELECT count(*) FROM event_log)")
if [ "${source_rows:-0}" -ge 5000 ]; then
    pass "$P: $(echo "$TABLES" | wc -l) tables on the source, $source_rows rows besides pgbench's"
else
    fail "$P: only ${source_rows:-no} rows in the rich tables"
fi
echo "# $P: source loaded in $((SECONDS - step)) s"

# --- 2. the whole path with the CLI --------------------------------------------------
# The target database exists but is empty: only the schema check may fail.
target_sql postgres -c "CREATE DATABASE $DB TEMPLATE template0" >/dev/null
ivory_on $DB --json check --no-webbrowser
expect_status 1 "$P: check before copyschema"
failing=$(target_sql postgres -v json="$OUT" <<'SQL' 2>&1
SELECT coalesce(string_agg(DISTINCT e ->> 'checker', ','), 'none')
FROM json_array_elements(:'json'::json) e
WHERE e ->> 'severity' = 'error' AND NOT (e ->> 'ok')::boolean;
SQL
)
expect_count schema "$failing" "$P: before copyschema only the schema check fails"

step=$SECONDS
ivory_on $DB copyschema
expect_status 0 "$P: copyschema"
echo "# $P: copyschema took $((SECONDS - step)) s"
ivory_on $DB check --no-webbrowser
expect_status 0 "$P: check after copyschema"
target_tables=$(target_sql $DB -c "SELECT format('%I.%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%'
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1" 2>&1)
if [ "$target_tables" = "$TABLES" ]; then
    pass "$P: copyschema made every table and partition on the target ($(echo "$TABLES" | wc -l))"
else
    fail "$P: the target's tables are not the source's" "$(diff <(echo "$TABLES") <(echo "$target_tables"))"
fi

ivory_on $DB replication create
expect_status 0 "$P: replication create"
[ "$STATUS" -eq 0 ] || abort "no replication to go on with (the failure above)"

# The writers: pgbench's own transactions, and one that inserts into the rich
# tables through their identity and serial defaults (and updates and deletes
# in the keyless table), throttled so that 2 cores keep up.
cat >"$TMPDIR/rich.pgbench" <<'SCRIPT'
\set product random(1, 100)
\set quantity random(1, 5)
\set day random(0, 1459)
\set sensor random(1, 20)
\set old random(1, 2000)
BEGIN;
INSERT INTO customers (name, ref) VALUES ('writer ' || :client_id, md5(random()::text)::uuid);
INSERT INTO orders (customer_id) VALUES (currval(pg_get_serial_sequence('customers', 'id')));
INSERT INTO order_items (order_id, line, product_id, quantity, unit_price) SELECT currval(pg_get_serial_sequence('orders', 'id')), 1, id, :quantity, price FROM products WHERE id = :product;
UPDATE orders SET status = 'paid' WHERE id = currval(pg_get_serial_sequence('orders', 'id'));
INSERT INTO shipments (order_id, shipped_on) VALUES (currval(pg_get_serial_sequence('orders', 'id')), DATE '2024-01-02' + :day);
INSERT INTO products (sku, price) VALUES ('sku-w' || currval(pg_get_serial_sequence('orders', 'id')), 1.25);
INSERT INTO measurements (taken_on, sensor, reading) VALUES (DATE '2022-07-01' + :day, :sensor, :day / 3.0);
UPDATE orders SET status = 'shipped' WHERE id = :old;
INSERT INTO event_log (at, kind, payload) VALUES (now(), 'write', jsonb_build_object('client', :client_id));
UPDATE event_log SET kind = 'seen' WHERE ctid = (SELECT ctid FROM event_log WHERE kind = 'load' LIMIT 1);
DELETE FROM event_log WHERE ctid = (SELECT ctid FROM event_log WHERE kind = 'seen' LIMIT 1);
END;
SCRIPT
writes=$SECONDS
pgbench -n -c 2 -T "$WRITE_SECONDS" -R "$PGBENCH_RATE" -h "$HOST" -p "$SOURCE_PORT" -U postgres $DB \
    >"$TMPDIR/pgbench.out" 2>&1 &
WRITERS+=($!)
pgbench -n -c 1 -T "$WRITE_SECONDS" -R 25 -f "$TMPDIR/rich.pgbench" -h "$HOST" -p "$SOURCE_PORT" \
    -U postgres $DB >"$TMPDIR/rich.out" 2>&1 &
WRITERS+=($!)
WRITER_NAMES=(pgbench rich)
sleep 1

step=$SECONDS
# pgbench_accounts (13 MB at scale 1) is cut into ranges: of its blocks on
# sources 14+, of its key before.
ivory_on $DB replication start --wait --jobs 2 --split-tables-larger-than 4MB
expect_status 0 "$P: replication start --wait --jobs 2 --split-tables-larger-than 4MB while pgbench writes"
echo "# $P: start (the initial copy) took $((SECONDS - step)) s"
if [ "$SOURCE_MAJOR" -ge 14 ]; then cut_by="ctid"; else cut_by="aid"; fi
expect_count "4 $cut_by" "$(target_sql $DB -c "SELECT count(*) || ' ' ||
    substring(max(range_condition) from '^[a-z]+') FROM ivory.copy_task
    WHERE table_name = 'public.pgbench_accounts'")" \
    "$P: pgbench_accounts was copied in 4 ranges of its $cut_by"
if wait_until 60 status_is_ok $DB; then
    pass "$P: replication status exits 0 (ready) within 60 s"
else
    fail "$P: replication status did not exit 0 within 60 s" "$ERR"
fi
expect_in "replication is ready" "$ERR" "$P: status says the replication is ready"
expect_in "table public.measurements_2024: ready" "$ERR" "$P: status names a partition as ready"
writers_running=0
for pid in "${WRITERS[@]}"; do kill -0 "$pid" 2>/dev/null && writers_running=$((writers_running + 1)); done
streamed() { [ "$(target_sql $DB -c "SELECT count(*) FROM event_log WHERE kind = 'write'" 2>/dev/null)" -gt 0 ] 2>/dev/null; }
if poll_until 30 streamed; then
    pass "$P: rows written on the source stream to the target ($writers_running writers still running)"
else
    fail "$P: no row written during the run reached the target within 30 s"
fi

# Stop the writers: they end after WRITE_SECONDS by themselves.
for i in "${!WRITERS[@]}"; do
    wait "${WRITERS[$i]}"
    status=$?
    name=${WRITER_NAMES[$i]}
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$TMPDIR/$name.out")
    if [ "$status" -eq 0 ] && [ "${processed:-0}" -gt 0 ]; then
        pass "$P: writer $name ran $processed transactions on the source"
    else
        fail "$P: writer $name exited $status after ${processed:-no} transactions" \
            "$(tail -5 "$TMPDIR/$name.out")"
    fi
done
WRITERS=()
echo "# $P: the writers ran for $((SECONDS - writes)) s"
if wait_until 60 all_tables_match; then
    pass "$P: the target caught up with the source once the writers stopped"
else
    fail "$P: tables still differ 60 s after the writers stopped:$MISMATCHED"
fi

ivory_on $DB syncsequences
expect_status 0 "$P: syncsequences"
ivory_on $DB verify
expect_status 0 "$P: verify"
expect_in "tables match" "$ERR" "$P: verify says the tables match"
expect_not_in "differs" "$ERR" "$P: verify finds no table that differs"

step=$SECONDS
ivory_on $DB switchover --timeout 60
expect_status 0 "$P: switchover"
echo "# $P: switchover took $((SECONDS - step)) s"
for what in "lock source: " "sync sequences: " "verify data online: " "compare row counts: " "drop replication: "; do
    expect_in "$what" "$ERR" "$P: switchover reports the step '${what%: }'"
done
source_write "INSERT INTO event_log VALUES (now(), 'after switchover', NULL)"
if [ "$STATUS" -ne 0 ] && printf '%s' "$ERR" | grep -q "read-only"; then
    pass "$P: after the switchover the source rejects writes of a new session"
else
    fail "$P: the source accepted a write after the switchover (exit $STATUS)" "$ERR"
fi

# --- 3. every table equal, sequences continuing ---------------------------------------
while IFS= read -r table; do
    [ -n "$table" ] || continue
    s_rows=$(source_sql $DB -c "SELECT count(*) FROM $table" 2>&1)
    t_rows=$(target_sql $DB -c "SELECT count(*) FROM $table" 2>&1)
    s_md5=$(table_md5 "$SOURCE_PORT" $DB "$table" 2>&1)
    t_md5=$(table_md5 "$TARGET_PORT" $DB "$table" 2>&1)
    if [ "${s_rows:-0}" -gt 0 ] 2>/dev/null && [ "$s_rows" = "$t_rows" ] && [ "$s_md5" = "$t_md5" ]; then
        pass "$P: $table: $s_rows rows on both sides, the same ordered md5"
    else
        fail "$P: $table differs" "source: ${s_rows:-?} rows, md5 ${s_md5:-?}
target: ${t_rows:-?} rows, md5 ${t_md5:-?}"
    fi
done <<<"$TABLES"
# The view is read through on both sides.
if [ "$(table_md5 "$SOURCE_PORT" $DB customer_totals 2>&1)" = "$(table_md5 "$TARGET_PORT" $DB customer_totals 2>&1)" ]; then
    pass "$P: the view customer_totals reads the same on both sides"
else
    fail "$P: the view customer_totals differs"
fi

# The source takes writes again.
ivory_on $DB unlock-source
expect_status 0 "$P: unlock-source"
source_write "INSERT INTO event_log VALUES (now(), 'after unlock', NULL)"
expect_status 0 "$P: after unlock-source a new session writes to the source"
# The schema copy creates the materialized view empty; refreshed on both
# sides (before the target gets rows of its own) it reads the same.
source_sql $DB -c "REFRESH MATERIALIZED VIEW sensor_summary" >/dev/null &&
    target_sql $DB -c "REFRESH MATERIALIZED VIEW sensor_summary" >/dev/null
s_md5=$(table_md5 "$SOURCE_PORT" $DB sensor_summary 2>&1)
t_md5=$(table_md5 "$TARGET_PORT" $DB sensor_summary 2>&1)
if [ -n "$s_md5" ] && [ "$s_md5" = "$t_md5" ]; then
    pass "$P: the materialized view sensor_summary, refreshed on both sides, is the same"
else
    fail "$P: the materialized view sensor_summary differs" "source: $s_md5
target: $t_md5"
fi

# Each identity and serial column of the source (partitions share their
# parent's) with an insert through its default on the target.
declare -A NEXT_ROW=(
    [public.customers.id]="INSERT INTO customers (name, ref) VALUES ('after the switchover', md5('after')::uuid) RETURNING id"
    [public.products.id]="INSERT INTO products (sku, price) VALUES ('sku-after', 2.50) RETURNING id"
    [public.orders.id]="INSERT INTO orders (customer_id) VALUES (1) RETURNING id"
    [public.shipments.id]="INSERT INTO shipments (order_id, shipped_on) VALUES (1, DATE '2025-01-01') RETURNING id"
    [public.order_audit.id]="INSERT INTO order_audit (order_id, status) VALUES (1, 'new') RETURNING id"
    [public.measurements.id]="INSERT INTO measurements (taken_on, sensor, reading) VALUES (DATE '2024-06-01', 1, 0.5) RETURNING id"
)
columns=$(source_sql $DB -c "SELECT format('%I.%I %I', n.nspname, c.relname, a.attname)
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')
    ORDER BY 1")
expect_count ${#NEXT_ROW[@]} "$(echo "$columns" | grep -c .)" \
    "$P: the source has one identity or serial column per table written below"
while read -r table column; do
    [ -n "$table" ] || continue
    statement=${NEXT_ROW[$table.$column]:-}
    if [ -z "$statement" ]; then
        fail "$P: no insert written for $table.$column"
        continue
    fi
    largest=$(source_sql $DB -c "SELECT max($column) FROM $table")
    next=$(target_sql $DB -c "$statement" 2>&1)
    if [ -n "$largest" ] && [ "$next" -gt "$largest" ] 2>/dev/null; then
        pass "$P: $table.$column continues on the target ($next > $largest, the source's largest)"
    else
        fail "$P: $table.$column: the target's insert got ${next:-nothing}, the source's largest is ${largest:-none}"
    fi
done <<<"$columns"
order=$(target_sql $DB -c "SELECT max(id) FROM orders")
expect_count 1 "$(target_sql $DB -c "SELECT count(*) FROM order_audit WHERE order_id = ${order:-0}")" \
    "$P: the trigger on orders writes to order_audit on the target after the switchover"

# --- the end of the path ----------------------------------------------------------------
# The switchover dropped the replication: stop has no subscription left to
# stop, drop (idempotent) finds everything absent.
replication $DB stop
expect_status 1 "$P: replication stop after the switchover"
expect_in "subscription ivory_subscription does not exist" "$ERR" \
    "$P: replication stop says the switchover left no subscription"
replication $DB drop
expect_status 0 "$P: replication drop"
expect_in "absent" "$ERR" "$P: replication drop finds the replication already dropped"

# --- 4. nothing of ivory left on the source ---------------------------------------------
ivory_objects_left $DB "$P"

echo "# $P: $((SECONDS - STARTED)) s in all"
integration_summary
[ "$FAILED" -eq 0 ]
