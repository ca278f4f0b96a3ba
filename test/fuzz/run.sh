#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets test/fuzz/*_fuzzer.cpp with
# clang++-14 (-fsanitize=fuzzer,address,undefined) into build-fuzz/ and runs
# each for $FUZZ_SECONDS (60) seconds from its seeds in test/fuzz/corpus/NAME/,
# all at once. A crash, a sanitizer report, a leak or a violated property
# fails; the input is kept in build-fuzz/artifacts/. Ends with
# "N passed, M failed". New inputs go to build-fuzz/corpus/, never to the seeds.
set -uo pipefail
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

source test/packages.sh
install_missing_packages "${SANITIZER_PACKAGES[@]}" || { echo "0 passed, 1 failed"; exit 1; }

names=()
for source in test/fuzz/*_fuzzer.cpp; do names+=("$(basename "$source" .cpp)"); done
echo "== building ${#names[@]} fuzzers (build-fuzz/)"
make -s -j"$(nproc)" "${names[@]/#/build-fuzz/}" || { echo "0 passed, 1 failed"; exit 1; }

echo "== fuzzing each for ${FUZZ_SECONDS}s"
mkdir -p build-fuzz/artifacts build-fuzz/logs
pids=()
for name in "${names[@]}"; do
    seeds=test/fuzz/corpus/${name%_fuzzer}
    mkdir -p "build-fuzz/corpus/$name"
    "build-fuzz/$name" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="build-fuzz/artifacts/$name-" -print_final_stats=1 \
        "build-fuzz/corpus/$name" "$seeds" >"build-fuzz/logs/$name.log" 2>&1 &
    pids+=($!)
done
PASSED=0
FAILED=0
for i in "${!names[@]}"; do
    name=${names[$i]}
    log=build-fuzz/logs/$name.log
    if wait "${pids[$i]}"; then
        runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
        echo "ok - $name: no crash in ${runs:-?} runs"
        PASSED=$((PASSED + 1))
    else
        echo "not ok - $name (log: $log)"
        grep -vE '^#[0-9]+|^INFO:' "$log" | head -60 | sed 's/^/    /'
        FAILED=$((FAILED + 1))
    fi
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
