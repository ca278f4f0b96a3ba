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
