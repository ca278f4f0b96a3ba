# Shared by the benchmarks (sourced): throwaway clusters, the large schema,
# and timing helpers. Needs `make install` done first.
source "$(dirname "${BASH_SOURCE[0]}")/../test/cluster.sh"

# Source and target clusters that trust local connections; sets SOURCE_PORT,
# TARGET_PORT and IVORY_TEST_DIR, and tears them down on exit.
bench_clusters() {
    trap clusters_teardown EXIT
    clusters_setup
    SOURCE_PORT=$(free_port 56532)
    TARGET_PORT=$(free_port $((SOURCE_PORT + 1)))
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$IVORY_TEST_DIR/hba.conf"
    # A 2,000-table schema created or restored in one transaction takes many locks.
    cluster_start source "$SOURCE_PORT" "$IVORY_TEST_DIR/hba.conf" "wal_level = logical" \
        "max_locks_per_transaction = 1024"
    cluster_start target "$TARGET_PORT" "$IVORY_TEST_DIR/hba.conf" \
        "max_locks_per_transaction = 1024"
}

bench_sql() { # port database [psql arguments...]
    local port=$1 database=$2
    shift 2
    psql -X -q -h "$IVORY_TEST_DIR" -p "$port" -U postgres -d "$database" -v ON_ERROR_STOP=1 "$@"
}

# create_bench_schema PORT DATABASE TABLES: tables with a primary key, a
# secondary index, a CHECK and defaults, a foreign key every 10th, a view
# every 10th, a plpgsql function every 20th, and an enum.
create_bench_schema() {
    local port=$1 database=$2 tables=$3
    bench_sql "$port" postgres -c "CREATE DATABASE $database TEMPLATE template0"
    bench_sql "$port" "$database" <<SQL
CREATE TYPE status AS ENUM ('new', 'open', 'closed');
DO \$\$
BEGIN
    FOR i IN 1..$tables LOOP
        EXECUTE format('CREATE TABLE t%s (id bigint PRIMARY KEY, ref bigint, name text NOT NULL DEFAULT %L,
                        amount numeric(12,2) CHECK (amount >= 0), state status, created timestamptz DEFAULT now())', i, 'n' || i);
        EXECUTE format('CREATE INDEX t%s_name_idx ON t%s (name)', i, i);
        IF i > 1 AND i % 10 = 0 THEN
            EXECUTE format('ALTER TABLE t%s ADD FOREIGN KEY (ref) REFERENCES t%s (id)', i, i - 1);
        END IF;
        IF i % 10 = 0 THEN
            EXECUTE format('CREATE VIEW v%s AS SELECT id, name FROM t%s WHERE amount > 0', i, i);
        END IF;
        IF i % 20 = 0 THEN
            EXECUTE format('CREATE FUNCTION f%s(x int) RETURNS int LANGUAGE plpgsql AS \$f\$BEGIN RETURN x + %s; END\$f\$', i, i);
        END IF;
    END LOOP;
END
\$\$;
SQL
}

# create_schema_dataset PORT DATABASE TABLES: create_bench_schema's schema
# (TABLES tables, TABLES/10 views, TABLES/20 plpgsql functions) and, for
# `bench/run`, TABLES/100 enums in all (the others typing a column of one table
# each) and TABLES/400 partitioned tables of 10 partitions (a primary key, an
# index, a CHECK and a foreign key each): at 2,000 tables 20 enums and 5
# partitioned tables. At least one of each at small scales.
create_schema_dataset() {
    local port=$1 database=$2 tables=$3
    local enums=$((tables / 100 > 1 ? tables / 100 : 1))
    local partitioned=$((tables / 400 > 1 ? tables / 400 : 1))
    create_bench_schema "$port" "$database" "$tables"
    bench_sql "$port" "$database" <<SQL
DO \$\$
BEGIN
    FOR e IN 2..$enums LOOP
        EXECUTE format('CREATE TYPE kind%s AS ENUM (%L, %L, %L)', e, 'low' || e, 'mid' || e, 'high' || e);
        EXECUTE format('ALTER TABLE t%s ADD COLUMN kind kind%s', 1 + (e - 1) * ($tables / $enums), e);
    END LOOP;
    FOR p IN 1..$partitioned LOOP
        EXECUTE format('CREATE TABLE p%s (id bigint, day date NOT NULL, ref bigint REFERENCES t%s (id),
                        name text NOT NULL DEFAULT %L, amount numeric(12,2) CHECK (amount >= 0), state status,
                        PRIMARY KEY (id, day)) PARTITION BY RANGE (day)', p, p, 'p' || p);
        EXECUTE format('CREATE INDEX p%s_name_idx ON p%s (name)', p, p);
        FOR k IN 1..10 LOOP
            EXECUTE format('CREATE TABLE p%s_%s PARTITION OF p%s FOR VALUES FROM (%L) TO (%L)',
                           p, k, p, make_date(2024, k, 1), make_date(2024, k + 1, 1));
        END LOOP;
    END LOOP;
END
\$\$;
SQL
}

# Wall-clock seconds of one run of a command.
seconds() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f\n", (e - s) / 1e9}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

machine_line() {
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(pg_config --version)"
}
