#!/usr/bin/env bash
# `make demo`: ivory from a fresh Debian 12 machine (as root) to a running
# replication. Installs what is missing, builds, installs, starts a throwaway
# source (wal_level = logical) and target cluster in $IVORY_DEMO_DIR, loads
# pgbench data into the source, then runs check, copyschema and replication
# create/start/status, and shows a row written on the source arriving on the
# target. The clusters keep running; `make demo-stop` removes them.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_STARTED=$SECONDS
DEMO_DIR=${IVORY_DEMO_DIR:-/tmp/ivory-demo}
DEMO_DB=demo
STATUS_TIMEOUT=600 # seconds the initial copy may take before the demo gives up

step() { printf '\n==== %s\n' "$*"; }
# Shows the command as a person would type it, then runs it.
shown() {
    printf '$ %s\n' "$*"
    "$@"
}

step "installing missing packages"
source test/packages.sh
install_missing_packages
echo "all of ${PACKAGES[*]} installed"

step "building (make -j$(nproc))"
make -s -j"$(nproc)"

step "installing the extension and the ivory command (make install)"
make -s install >/dev/null
# make install puts the command into /usr/local/bin, which a root shell may lack.
export PATH="/usr/local/bin:$PATH"
command -v ivory

if [ -e "$DEMO_DIR" ]; then
    step "stopping the previous demo in $DEMO_DIR"
    demo/stop.sh
fi

step "starting the source and target clusters in $DEMO_DIR"
source test/cluster.sh
IVORY_TEST_DIR=$DEMO_DIR # where test/cluster.sh keeps its clusters
mkdir -p "$DEMO_DIR"
chmod 755 "$DEMO_DIR"
if [ "$(id -u)" = 0 ]; then chown "$CLUSTER_OS_USER" "$DEMO_DIR"; fi
SOURCE_PORT=$(free_port 55432)
TARGET_PORT=$(free_port $((SOURCE_PORT + 1)))
printf 'SOURCE_PORT=%s\nTARGET_PORT=%s\n' "$SOURCE_PORT" "$TARGET_PORT" >"$DEMO_DIR/ports"
# postgres logs in without a password over the socket; the replication role
# ivory_replicator with its password.
cat >"$DEMO_DIR/pg_hba.conf" <<HBA
local all postgres trust
local all all scram-sha-256
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
cluster_start source "$SOURCE_PORT" "$DEMO_DIR/pg_hba.conf" \
    "wal_level = logical" "max_replication_slots = 10" "max_wal_senders = 10"
cluster_start target "$TARGET_PORT" "$DEMO_DIR/pg_hba.conf" \
    "max_logical_replication_workers = 6" "max_worker_processes = 12"
echo "source: port $SOURCE_PORT (wal_level = logical), target: port $TARGET_PORT," \
    "sockets in $DEMO_DIR"

source_psql() { psql -X -q -h "$DEMO_DIR" -p "$SOURCE_PORT" -U postgres "$@"; }
target_psql() { psql -X -q -h "$DEMO_DIR" -p "$TARGET_PORT" -U postgres "$@"; }

step "loading sample data into the source (pgbench -i -s 10)"
source_psql -d postgres -c "CREATE DATABASE $DEMO_DB"
PGOPTIONS="-c client_min_messages=warning" pgbench -i -q -s 10 -h "$DEMO_DIR" -p "$SOURCE_PORT" -U postgres "$DEMO_DB"
# pgbench_history has no primary key: logical replication needs a replica
# identity to carry its rows, and ivory check insists on one.
source_psql -d "$DEMO_DB" -v ON_ERROR_STOP=1 <<'SQL'
ALTER TABLE pgbench_history REPLICA IDENTITY FULL;
CREATE TABLE demo_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);
SQL
source_psql -d "$DEMO_DB" -c "SELECT relname AS table, n_live_tup AS rows FROM pg_stat_user_tables ORDER BY 1"

# Every ivory option defaults to its environment variable.
export SOURCE_HOST=$DEMO_DIR SOURCE_PORT SOURCE_USER=postgres SOURCE_DBNAME=$DEMO_DB
export TARGET_HOST=$DEMO_DIR TARGET_PORT TARGET_USER=postgres TARGET_DBNAME=$DEMO_DB
echo "ivory reads SOURCE_HOST=$SOURCE_HOST SOURCE_PORT=$SOURCE_PORT SOURCE_DBNAME=$DEMO_DB" \
    "TARGET_HOST=$TARGET_HOST TARGET_PORT=$TARGET_PORT TARGET_DBNAME=$DEMO_DB"

step "ivory check: is the target ready? (not yet: its database is still empty)"
target_psql -d postgres -c "CREATE DATABASE $DEMO_DB"
if shown ivory check --no-webbrowser; then
    echo "unexpected: the empty target passed the schema check" >&2
    exit 1
fi
echo "-> as expected the schema check fails: the target has none of the source's tables yet"

step "ivory copyschema: re-create the target database with the source's schema"
shown ivory copyschema

step "ivory check again: now everything must pass"
shown ivory check --no-webbrowser

step "ivory replication create"
shown ivory replication create

step "ivory replication start: background workers begin the initial copy"
shown ivory replication start

step "ivory replication status, every 2 s until everything is ready"
deadline=$((SECONDS + STATUS_TIMEOUT))
until shown ivory replication status --collapse-initializing-relations; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "replication was not ready after $STATUS_TIMEOUT s; the clusters keep running" >&2
        exit 1
    fi
    sleep 2
    echo
done

step "a row written on the source arrives on the target"
message="hello from the source, written at $(date '+%H:%M:%S')"
echo "on the source: INSERT INTO demo_messages (message) VALUES ('$message')"
source_psql -d "$DEMO_DB" -v ON_ERROR_STOP=1 -v message="$message" <<'SQL'
INSERT INTO demo_messages (message) VALUES (:'message') RETURNING *;
SQL
arrived=""
for _ in $(seq 1 60); do
    arrived=$(target_psql -d "$DEMO_DB" -At -v message="$message" 2>/dev/null <<'SQL' || true
SELECT count(*) FROM demo_messages WHERE message = :'message';
SQL
    )
    [ "$arrived" = 1 ] && break
    sleep 0.5
done
if [ "$arrived" != 1 ]; then
    echo "the row did not arrive on the target within 30 s" >&2
    exit 1
fi
echo "on the target: SELECT * FROM demo_messages"
target_psql -d "$DEMO_DB" -c "SELECT * FROM demo_messages"

step "the demo clusters keep running"
cat <<EOF
source:  psql -h $DEMO_DIR -p $SOURCE_PORT -U postgres $DEMO_DB
target:  psql -h $DEMO_DIR -p $TARGET_PORT -U postgres $DEMO_DB
ivory:   SOURCE_HOST=$DEMO_DIR SOURCE_PORT=$SOURCE_PORT SOURCE_USER=postgres SOURCE_DBNAME=$DEMO_DB \\
         TARGET_HOST=$DEMO_DIR TARGET_PORT=$TARGET_PORT TARGET_USER=postgres TARGET_DBNAME=$DEMO_DB \\
         ivory replication status
stop:    make demo-stop
EOF

elapsed=$((SECONDS - DEMO_STARTED))
printf '\ndemo done in %d min %02d s\n' $((elapsed / 60)) $((elapsed % 60))
