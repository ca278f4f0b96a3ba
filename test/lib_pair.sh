# Sourced by the scripts that test one (source version, target version) pair
# on clusters of their own: test/newer_source_refused.sh, test/psql_migration.sh.
#   pair_start SOURCE_BINDIR TARGET_BINDIR FIRST_PORT
# starts a source (wal_level = logical) and a target from those bin
# directories, puts TARGET_BINDIR first on PATH (its psql, pg_dump and
# pgbench serve both sides), tears both down on exit, then sources
# lib_integration.sh; PAIR is "S->T", the two major versions.
# pg_hba.conf: postgres trusted, every other role by password (scram-sha-256).
source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"

pair_start() { # source_bindir target_bindir first_port
    SOURCE_BINDIR=$(cd "$1" && pwd)
    TARGET_BINDIR=$(cd "$2" && pwd)
    PATH="$TARGET_BINDIR:$PATH"
    clusters_setup
    trap clusters_teardown EXIT
    SOURCE_PORT=$(free_port "$3")
    TARGET_PORT=$(free_port $((SOURCE_PORT + 1)))
    export SOURCE_PORT TARGET_PORT
    cat >"$IVORY_TEST_DIR/hba.conf" <<HBA
local all postgres trust
local all all scram-sha-256
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
    # Before 14 passwords were stored as md5 unless told otherwise.
    if ! cluster_start source "$SOURCE_PORT" "$IVORY_TEST_DIR/hba.conf" "wal_level = logical" \
        "password_encryption = 'scram-sha-256'" ||
        ! cluster_start target "$TARGET_PORT" "$IVORY_TEST_DIR/hba.conf" \
            "max_logical_replication_workers = 6" "max_worker_processes = 12" \
            "password_encryption = 'scram-sha-256'"; then
        echo "not ok - the clusters did not start"
        tail -5 "$IVORY_TEST_DIR"/*.log
        echo "integration: 0 passed, 1 failed"
        exit 1
    fi
    source "$(dirname "${BASH_SOURCE[0]}")/lib_integration.sh"
    SOURCE_VERSION=$(source_sql postgres -c "SHOW server_version" | cut -d' ' -f1)
    TARGET_VERSION=$(target_sql postgres -c "SHOW server_version" | cut -d' ' -f1)
    PAIR="${SOURCE_VERSION%%.*}->${TARGET_VERSION%%.*}"
}
