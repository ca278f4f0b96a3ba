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

integration_summary() { echo "integration: $PASSED passed, $FAILED failed"; }
