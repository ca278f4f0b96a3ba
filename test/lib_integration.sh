# Shared by the test/integration_*.sh scripts (sourced): assertions that print
# "ok"/"not ok" lines and count them, and helpers to reach the clusters that
# run_tests.sh started ($IVORY_TEST_DIR, $SOURCE_PORT, $TARGET_PORT, ...).
# A script ends with `integration_summary`.
set -u
PASSED=0
FAILED=0
HOST=$IVORY_TEST_DIR
export TMPDIR="$IVORY_TEST_DIR/tmp"
mkdir -p "$TMPDIR"

pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() {
    FAILED=$((FAILED + 1))
    echo "not ok - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | head -30 | sed 's/^/    /'
}

# Runs a command, keeping its standard output, standard error and status.
run() {
    OUT=$("$@" 2>"$TMPDIR/stderr")
    STATUS=$?
    ERR=$(cat "$TMPDIR/stderr")
}

expect_status() { # expected name
    if [ "$STATUS" -eq "$1" ]; then pass "$2: exit $1"; else fail "$2: exit $STATUS, expected $1" "$ERR"; fi
}
expect_in() { # text haystack name
    if printf '%s' "$2" | grep -qF -- "$1"; then pass "$3"; else fail "$3: no '$1'" "$2"; fi
}
expect_not_in() { # text haystack name
    if printf '%s' "$2" | grep -qF -- "$1"; then fail "$3: found '$1'" "$2"; else pass "$3"; fi
}

sql() { # port database sql...
    local port=$1 database=$2
    shift 2
    psql -X -q -At -h "$HOST" -p "$port" -U postgres -d "$database" -v ON_ERROR_STOP=1 "$@"
}
source_sql() { sql "$SOURCE_PORT" "$@"; }
target_sql() { sql "$TARGET_PORT" "$@"; }

# A new source and target database of the same name.
fresh_pair() {
    source_sql postgres -c "CREATE DATABASE \"$1\" TEMPLATE template0"
    target_sql postgres -c "CREATE DATABASE \"$1\" TEMPLATE template0"
}

ivory_check() { # database [extra options...]
    local database=$1
    shift
    run ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user postgres \
        --source-dbname "$database" --target-host "$HOST" --target-port "$TARGET_PORT" \
        --target-user postgres --target-dbname "$database" "$@" check --no-webbrowser
}

# --- shared by the replication and cut-over scripts ---------------------------------
# (ivory_on needs $SOURCE_PASSWORD from the calling script.)

expect_count() { # expected actual name
    if [ "$2" = "$1" ]; then pass "$3 ($2)"; else fail "$3: $2, expected $1"; fi
}

# Runs `command...` every `interval` seconds until it succeeds; false after
# `timeout` seconds.
retry_every() { # interval timeout command...
    local interval=$1 deadline=$((SECONDS + $2))
    shift 2
    until "$@"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep "$interval"
    done
}

# Every second: for states that settle.
wait_until() { retry_every 1 "$@"; } # timeout command...

# Every tenth of a second: for catching a moment that lasts only seconds.
poll_until() { retry_every 0.1 "$@"; } # timeout command...

# An ordered md5 of a table's rows: equal on both sides means equal row for row.
table_md5() { # port database table
    sql "$1" "$2" -c "SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM $3 t"
}

user_tables() { # database
    source_sql "$1" -c "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables
                        WHERE schemaname <> 'ivory' ORDER BY 1"
}

# True when every user table of the source has the same rows on the target.
tables_match() { # database
    local table source_md5 tables
    MISMATCHED=""
    tables=$(user_tables "$1")
    [ -n "$tables" ] || MISMATCHED=" (no tables found)"
    while IFS= read -r table; do
        [ -n "$table" ] || continue
        source_md5=$(table_md5 "$SOURCE_PORT" "$1" "$table" 2>&1)
        if [ -z "$source_md5" ] || [ "$source_md5" != "$(table_md5 "$TARGET_PORT" "$1" "$table" 2>&1)" ]; then
            MISMATCHED="$MISMATCHED $table"
        fi
    done <<<"$tables"
    [ -z "$MISMATCHED" ]
}

# ivory with the source and target database of the same name; the source is
# reached as ivory_tester with a password.
ivory_on() { # database command [options...]
    local database=$1
    shift
    run ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user ivory_tester \
        --source-password "$SOURCE_PASSWORD" --source-dbname "$database" \
        --target-host "$HOST" --target-port "$TARGET_PORT" --target-user postgres \
        --target-dbname "$database" "$@"
}

# A new source database (the target one is made by copyschema).
fresh_source() {
    source_sql postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" \
        -c "CREATE DATABASE \"$1\" TEMPLATE template0"
}

# A new source database with pgbench's tables at `scale`, pgbench_history
# given a key (verify splits a keyed table in ranges); then the extra
# statements, each one -c.
pgbench_source() { # database scale [-c statement ...]
    local database=$1 scale=$2
    shift 2
    fresh_source "$database"
    pgbench -i -q -s "$scale" -h "$HOST" -p "$SOURCE_PORT" -U postgres "$database" >/dev/null 2>&1
    source_sql "$database" -c "ALTER TABLE pgbench_history ADD COLUMN id bigserial PRIMARY KEY" "$@"
}

# Runs `statement` in a session with statement_timeout set, then asks that
# session for 'still alive': the timeout error must come, within limit_ms, and
# the session must answer afterwards.
expect_statement_timeout() { # database timeout statement name limit_ms
    local start elapsed_ms output
    start=$(date +%s%N)
    output=$(target_sql "$1" -v ON_ERROR_STOP=0 2>&1 <<SQL
SET statement_timeout = '$2';
$3;
SELECT 'still alive';
SQL
)
    elapsed_ms=$((($(date +%s%N) - start) / 1000000))
    expect_in "canceling statement due to statement timeout" "$output" "$4"
    expect_in "still alive" "$output" "the session answers after the timeout"
    if [ "$elapsed_ms" -lt "$5" ]; then
        pass "the timeout error came within $5 ms (${elapsed_ms} ms)"
    else
        fail "the timeout error came after ${elapsed_ms} ms"
    fi
}

replication() { # database subcommand [options...]
    local database=$1
    shift
    ivory_on "$database" replication "$@"
}

status_is_ok() { # database [status options...]
    local database=$1
    shift
    replication "$database" status "$@"
    [ "$STATUS" -eq 0 ]
}

expect_status_ok_within() { # timeout database name [status options...]
    local timeout=$1 database=$2 name=$3
    shift 3
    if wait_until "$timeout" status_is_ok "$database" "$@"; then
        pass "$name: status exits 0 within $timeout s"
    else
        fail "$name: status did not exit 0 within $timeout s" "$ERR"
    fi
}

expect_tables_match_within() { # timeout database name
    if wait_until "$1" tables_match "$2"; then
        pass "$3: every table matches the source row for row"
    else
        fail "$3: tables differ after $1 s:$MISMATCHED"
    fi
}

# pgbench ended by switchover's lock, or after 30 s at most, then every
# committed row on the target.
expect_committed_rows_after_switchover() { # pgbench-pid database
    for _ in $(seq 1 30); do kill -0 "$1" 2>/dev/null || break; sleep 1; done
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    if tables_match "$2"; then
        pass "after the switchover every committed row is on the target (ordered md5 per table)"
    else
        fail "tables differ after the switchover:$MISMATCHED"
    fi
}

# Replication slots of any kind (main and table-sync) for this database on the source.
source_slots() { # database
    source_sql postgres -c "SELECT count(*) FROM pg_replication_slots WHERE database = '$1'"
}

# True when no slot of any kind is left for this database on the source.
no_source_slots() { [ "$(source_slots "$1")" = 0 ]; } # database

# Whether the target's COPY into `table` of `database` has rows in (a running
# initial copy, ivory's or a table-sync worker's).
copy_running() { # database table
    [ "$(target_sql "$1" -c "SELECT count(*) FROM pg_stat_progress_copy
        WHERE relid = '$2'::regclass AND tuples_processed > 0" 2>/dev/null)" = 1 ]
}

# Waits for the pgbench run `pid` (its output in $TMPDIR/pgbench.out) and
# asserts that it ended well.
expect_pgbench_ran() { # pid name
    local status
    wait "$1"
    status=$?
    if [ "$status" -eq 0 ]; then
        pass "$2 ($(grep -E '^number of transactions actually processed' "$TMPDIR/pgbench.out"))"
    else
        fail "$2: pgbench exited $status" "$(tail -5 "$TMPDIR/pgbench.out")"
    fi
}

# Subscriptions of this database on the target (pg_subscription is shared by
# all databases of the cluster).
target_subscriptions() { # database [condition]
    target_sql "$1" -c "SELECT count(*) FROM pg_subscription
        WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ${2:-}"
}

# copyschema, replication create and start, then wait until every table is
# ready; each step an assertion.
replicate() { # database name
    local database=$1 name=$2
    ivory_on "$database" copyschema
    expect_status 0 "$name: copyschema"
    ivory_on "$database" replication create
    expect_status 0 "$name: replication create"
    ivory_on "$database" replication start --wait
    expect_status 0 "$name: replication start --wait"
    if wait_until 90 status_is_ok "$database"; then
        pass "$name: replication is ready"
    else
        fail "$name: replication not ready within 90 s" "$ERR"
    fi
}

drop_replication() { # database name
    ivory_on "$1" replication drop
    expect_status 0 "$2: replication drop"
}

ivory_objects_left() { # database name
    local database=$1 name=$2
    expect_count 0 "$(target_sql "$database" -c "SELECT count(*) FROM pg_subscription
        WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")" \
        "$name: no subscription remains on the target"
    expect_count 0 "$(source_sql "$database" -c "SELECT count(*) FROM pg_publication")" \
        "$name: no publication remains on the source"
    expect_count 0 "$(source_sql postgres -c "SELECT count(*) FROM pg_replication_slots
        WHERE database = '$database'")" "$name: no replication slot remains on the source"
    expect_count 0 "$(source_sql postgres -c "SELECT count(*) FROM pg_roles
        WHERE rolname = 'ivory_replicator'")" \
        "$name: no role of ivory remains on the source"
    expect_count 0 "$(target_sql postgres -c "SELECT count(*) FROM pg_stat_activity
        WHERE backend_type = 'ivory copy' AND datname = '$database'")" \
        "$name: no copy worker of ivory remains on the target"
    expect_count 0 "$(target_sql "$database" -c "SELECT CASE WHEN to_regclass('ivory.copy_job') IS NULL
        THEN 0 ELSE (SELECT count(*) FROM ivory.copy_job) END")" \
        "$name: no initial copy is remembered on the target"
}

integration_summary() { echo "integration: $PASSED passed, $FAILED failed"; }
