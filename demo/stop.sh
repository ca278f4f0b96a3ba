#!/usr/bin/env bash
# `make demo-stop`: stops the clusters that `make demo` (demo/run.sh) left
# running and removes their directory.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_DIR=${IVORY_DEMO_DIR:-/tmp/ivory-demo}

if [ ! -d "$DEMO_DIR" ]; then
    echo "no demo in $DEMO_DIR: nothing to stop"
    exit 0
fi
source test/cluster.sh
IVORY_TEST_DIR=$DEMO_DIR # where test/cluster.sh looks for clusters
cluster_stop_all
rm -rf "$DEMO_DIR"
echo "demo clusters stopped and $DEMO_DIR removed"
