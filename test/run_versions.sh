#!/usr/bin/env bash
# `make test-versions`: ivory against every PostgreSQL version it supports.
#
#   targets   15 (Debian 12's), 17, 18, 19 (built from Debian's source packages
#             into the cache of test/postgres_versions.sh). The newest target
#             this machine can get runs the whole suite (unit, pg_regress,
#             integration, faults); the others run the pg_regress suite. 15's
#             whole suite is `make test`, which CI runs first.
#   sources   12 to 18 (embedded servers from npm; 15 is Debian's): the
#             migration matrix for every source with the newest target and for
#             every target with the oldest source, by the CLI
#             (test/migration_matrix.sh) and from psql alone
#             (test/psql_migration.sh), and the refusal of a source newer than
#             the target (test/newer_source_refused.sh).
#
# Each target is built in a copy of this tree (build/versions/NN), so that
# the objects of one version never meet another's. A target this machine
# cannot get (Debian's mirror without its source package) is reported as
# "skipped" with the reason; every pair that ran counts in the summary line.
#   IVORY_TARGET_VERSIONS   default "15 17 18 19"
#   IVORY_SOURCE_VERSIONS   default "12 13 14 15 16 17 18"
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
source test/packages.sh
source test/postgres_versions.sh

TARGETS=(${IVORY_TARGET_VERSIONS:-15 17 18 19})
SOURCES=(${IVORY_SOURCE_VERSIONS:-12 13 14 15 16 17 18})
DEBIAN_BINDIR=/usr/lib/postgresql/15/bin
PASSED=0
FAILED=0
SKIPPED=()
RESULTS=()

install_missing_packages || { echo "0 passed, 1 failed"; exit 1; }

took() { echo "$(($(date +%s) - $1))s"; }

# Adds a run's "N passed, M failed" (its last such line) to the totals.
count() { # label log status
    local summary passed failed
    summary=$(grep -E '^(integration: )?[0-9]+ passed, [0-9]+ failed$' "$2" | tail -1)
    passed=$(echo "$summary" | sed -nE 's/^(integration: )?([0-9]+) passed.*/\2/p')
    failed=$(echo "$summary" | sed -nE 's/.* ([0-9]+) failed$/\1/p')
    if [ "$3" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then failed=1; fi
    PASSED=$((PASSED + ${passed:-0}))
    FAILED=$((FAILED + ${failed:-0}))
    RESULTS+=("$1: ${passed:-0} passed, ${failed:-0} failed")
    echo "=== $1: ${passed:-0} passed, ${failed:-0} failed"
}

# FOUND: the pg_config of target NN; empty (and the reason in SKIPPED) when
# this machine cannot get it.
FOUND=
target_pg_config() { # NN
    FOUND=
    if [ "$1" = 15 ]; then
        FOUND="$DEBIAN_BINDIR/pg_config"
        return
    fi
    local log
    log=$(mktemp)
    if ensure_postgres_version "$1" 2>&1 | tee "$log"; then
        FOUND="$IVORY_PG_CACHE/$1/bin/pg_config"
    else
        SKIPPED+=("target $1: $(grep 'postgres_versions:' "$log" | tail -1 | sed 's/^postgres_versions: //')")
    fi
    rm -f "$log"
}

# FOUND: the bin directory of source NN, Debian's 15 or the embedded server.
source_bindir() { # NN
    FOUND=
    if [ "$1" = 15 ]; then
        FOUND="$DEBIAN_BINDIR"
    elif ensure_postgres_version "source-$1"; then
        FOUND="$IVORY_PG_CACHE/source-$1/bin"
    else
        SKIPPED+=("source $1: could not fetch its embedded server")
    fi
}

# A copy of this tree for target NN (the working tree's files, committed or not).
target_tree() { # NN
    local tree="$ROOT/build/versions/$1"
    mkdir -p "$tree"
    (cd "$ROOT" && git ls-files -co --exclude-standard -z |
        grep -zv '^build/' | xargs -0 cp --parents -p -t "$tree")
    echo "$tree"
}

# --- the targets -------------------------------------------------------------
available=()
declare -A CONFIG
for target in "${TARGETS[@]}"; do
    echo "=== target $target: getting the server"
    start=$(date +%s)
    target_pg_config "$target"
    config=$FOUND
    [ -n "$config" ] || { echo "=== target $target: skipped ($(took "$start"))"; continue; }
    echo "=== target $target: $("$config" --version) ($(took "$start"))"
    CONFIG[$target]=$config
    available+=("$target")
done
[ ${#available[@]} -gt 0 ] || { echo "no target available"; echo "0 passed, 1 failed"; exit 1; }
newest=${available[-1]}

for target in "${available[@]}"; do
    [ "$target" = 15 ] && continue # `make test` is 15's whole suite
    tree=$(target_tree "$target")
    log=$(mktemp)
    start=$(date +%s)
    if [ "$target" = "$newest" ]; then
        echo "=== target $target: the whole suite (in $tree)"
        (cd "$tree" && PG_CONFIG=${CONFIG[$target]} test/run_tests.sh) 2>&1 | tee "$log"
        count "target $target: make test ($(took "$start"))" "$log" "${PIPESTATUS[0]}"
        start=$(date +%s)
        echo "=== target $target: the fault and scale tests"
        (cd "$tree" && PG_CONFIG=${CONFIG[$target]} IVORY_LAYERS=integration \
            IVORY_INTEGRATION_SCRIPTS="$(cd "$tree" && echo test/fault_*.sh test/scale_*.sh)" \
            test/run_tests.sh) 2>&1 | tee "$log"
        count "target $target: make test-faults ($(took "$start"))" "$log" "${PIPESTATUS[0]}"
    else
        echo "=== target $target: the pg_regress suite (in $tree)"
        (cd "$tree" && PG_CONFIG=${CONFIG[$target]} IVORY_LAYERS=regress test/run_tests.sh) 2>&1 | tee "$log"
        count "target $target: pg_regress ($(took "$start"))" "$log" "${PIPESTATUS[0]}"
    fi
    rm -f "$log"
done

# --- the migration matrix ------------------------------------------------------
# Installs ivory (extension and CLI) for target NN; the matrix runs the CLI of
# the tree last installed, which is the same code for every target.
install_for_target() { # NN
    local tree=$ROOT
    [ "$1" = 15 ] || tree="$ROOT/build/versions/$1"
    [ -d "$tree" ] || tree=$(target_tree "$1")
    (cd "$tree" && make -s -j"$(nproc)" PG_CONFIG="${CONFIG[$1]}" all >/dev/null &&
        make -s PG_CONFIG="${CONFIG[$1]}" install >/dev/null)
}

pairs=()
for source in "${SOURCES[@]}"; do
    [ "$source" -le "$newest" ] && pairs+=("$source:$newest")
done
for target in "${available[@]}"; do
    [ "$target" = "$newest" ] || pairs+=("${SOURCES[0]}:$target")
done
# A source newer than the target is refused: the newest source with the oldest target.
oldest_target=${available[0]}
newest_source=${SOURCES[-1]}
[ "$newest_source" -gt "$oldest_target" ] && pairs+=("$newest_source:$oldest_target")

installed=
for pair in "${pairs[@]}"; do
    source=${pair%:*}
    target=${pair#*:}
    source_bindir "$source"
    bindir=$FOUND
    [ -n "$bindir" ] || continue
    if [ "$installed" != "$target" ]; then
        install_for_target "$target" || {
            count "matrix $source -> $target: installing ivory for $target" /dev/null 1
            continue
        }
        installed=$target
    fi
    if [ "$source" -gt "$target" ]; then
        scripts=(test/newer_source_refused.sh)
    else
        scripts=(test/migration_matrix.sh test/psql_migration.sh)
    fi
    for script in "${scripts[@]}"; do
        log=$(mktemp)
        start=$(date +%s)
        echo "=== matrix $source -> $target ($script)"
        "$script" "$bindir" "$(dirname "${CONFIG[$target]}")" 2>&1 | tee "$log"
        count "matrix $source -> $target, $(basename "$script" .sh) ($(took "$start"))" "$log" "${PIPESTATUS[0]}"
        rm -f "$log"
    done
done
# Leave Debian's 15 with this tree's build, as make test left it.
[ "$installed" = 15 ] || install_for_target 15 >/dev/null 2>&1 || true

echo "=== versions"
for result in "${RESULTS[@]}"; do echo "  $result"; done
for skipped in "${SKIPPED[@]}"; do echo "  skipped: $skipped"; done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
