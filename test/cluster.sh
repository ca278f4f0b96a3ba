# Throwaway PostgreSQL clusters for the tests, sourced by run_tests.sh and by
# the benchmarks. initdb refuses root, so as root the clusters run as the
# unprivileged user postgres. Everything lives under $IVORY_TEST_DIR.
# Each cluster runs the binaries of its own version: $SOURCE_BINDIR for the
# one named source, $TARGET_BINDIR for the others, both $PG_BINDIR (the
# pg_config on PATH) unless set; the choice is kept beside the data directory.

PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir)}
SOURCE_BINDIR=${SOURCE_BINDIR:-$PG_BINDIR}
TARGET_BINDIR=${TARGET_BINDIR:-$PG_BINDIR}
CLUSTER_OS_USER=${CLUSTER_OS_USER:-postgres}

as_cluster_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$CLUSTER_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# A port nobody listens on, from $1 upwards.
free_port() {
    local port=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        port=$((port + 1))
    done
    echo "$port"
}

# The bin directory cluster NAME was started with.
cluster_bindir() { # name
    cat "$IVORY_TEST_DIR/$1.bindir" 2>/dev/null || echo "$PG_BINDIR"
}

# cluster_start NAME PORT HBA_FILE [setting=value ...]
cluster_start() {
    local name=$1 port=$2 hba=$3
    shift 3
    local data="$IVORY_TEST_DIR/$name" bindir=$TARGET_BINDIR
    [ "$name" = source ] && bindir=$SOURCE_BINDIR
    echo "$bindir" >"$IVORY_TEST_DIR/$name.bindir"
    as_cluster_user "$bindir/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth=trust >"$IVORY_TEST_DIR/$name.initdb.log" 2>&1 || {
        cat "$IVORY_TEST_DIR/$name.initdb.log" >&2
        return 1
    }
    {
        echo "port = $port"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$IVORY_TEST_DIR'"
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
        for setting in "$@"; do echo "$setting"; done
    } >>"$data/postgresql.conf"
    cp "$hba" "$data/pg_hba.conf"
    chown "$CLUSTER_OS_USER" "$data/pg_hba.conf" 2>/dev/null || true
    as_cluster_user "$bindir/pg_ctl" -D "$data" -l "$IVORY_TEST_DIR/$name.log" -w start \
        >/dev/null
}

# The fault tests' crash: no shutdown checkpoint, sessions cut off.
cluster_crash() { # name
    as_cluster_user "$(cluster_bindir "$1")/pg_ctl" -D "$IVORY_TEST_DIR/$1" -m immediate stop >/dev/null
}

# Starts a stopped cluster again (after crash recovery) and waits until it accepts connections.
cluster_restart() { # name
    as_cluster_user "$(cluster_bindir "$1")/pg_ctl" -D "$IVORY_TEST_DIR/$1" -l "$IVORY_TEST_DIR/$1.log" \
        -w -t 120 start >/dev/null
}

cluster_stop_all() {
    local data
    for data in "$IVORY_TEST_DIR"/*/PG_VERSION; do
        [ -e "$data" ] || continue
        as_cluster_user "$(cluster_bindir "$(basename "$(dirname "$data")")")/pg_ctl" \
            -D "$(dirname "$data")" -m immediate stop \
            >/dev/null 2>&1 || true
    done
}

# A fresh directory owned by the cluster user; removed by clusters_teardown.
clusters_setup() {
    IVORY_TEST_DIR=$(mktemp -d /tmp/ivory-test.XXXXXX)
    chmod 755 "$IVORY_TEST_DIR"
    if [ "$(id -u)" = 0 ]; then chown "$CLUSTER_OS_USER" "$IVORY_TEST_DIR"; fi
    export IVORY_TEST_DIR
}

clusters_teardown() {
    [ -n "${IVORY_TEST_DIR:-}" ] || return 0
    cluster_stop_all
    rm -rf "$IVORY_TEST_DIR"
}
