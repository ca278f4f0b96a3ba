# The cut-over figures of `make bench` (issue 17), sourced by bench/run, which
# has the clusters, `timed`, `median_of` and the report's helpers:
#   - ivory verify beside the parallel full-hash baseline (every table hashed
#     order-independently on both sides at once, as a DBA would by hand), on a
#     quiet source, and ivory verify under pgbench -c 4;
#   - switchover under pgbench -c 4: ivory's read-only window, the window a
#     probe that inserts every 50 ms sees (first refused insert to
#     switchover's return), and the lag drained inside it.
# For each pgbench scale of BENCH_CUTOVER_SCALES (default "10 100"): the same
# schema at two sizes. The load is pgbench -c 4 at BENCH_CUTOVER_RATE
# transactions a second (default 200): unthrottled, on a machine where source,
# target and pgbench share two cores, the target's apply falls behind for
# good: verify leaves every table still changing, and switchover never gets
# within its --max-lag.
# shellcheck disable=SC2016,SC2086

CUTOVER_SCALES=${BENCH_CUTOVER_SCALES:-10 100}
CUTOVER_RATE=${BENCH_CUTOVER_RATE:-200}
declare -A CUTOVER_WINDOW CUTOVER_PROBE CUTOVER_DRAIN CUTOVER_SIZE

cutover_ivory() { # database command...
    local database=$1
    shift
    ivory --source-host "$IVORY_TEST_DIR" --source-port "$SOURCE_PORT" --source-user postgres \
        --source-dbname "$database" --target-host "$IVORY_TEST_DIR" --target-port "$TARGET_PORT" \
        --target-user postgres --target-dbname "$database" "$@"
}

# Every table hashed on one side, one after the other.
hash_every_table() { # port database
    bench_sql "$1" "$2" -At -c "SELECT format('SELECT sum(hashtext(t::text)::bigint) FROM %I.%I t;', schemaname, relname) FROM pg_stat_user_tables WHERE schemaname <> 'ivory'" \
        | bench_sql "$1" "$2" -At >/dev/null
}
full_hash_baseline() { # database: both sides at once
    hash_every_table "$SOURCE_PORT" "$1" &
    local source_side=$!
    hash_every_table "$TARGET_PORT" "$1"
    wait "$source_side"
}

# Inserts every 50 ms; writes the time (ns) of the first refused insert.
probe_writes() { # database stop-file output-file
    local refused=''
    while [ ! -e "$2" ]; do
        if ! bench_sql "$SOURCE_PORT" "$1" -q -c "INSERT INTO probe DEFAULT VALUES" >/dev/null 2>&1; then
            [ -n "$refused" ] || { refused=$(now_ns); echo "$refused" >"$3"; }
        fi
        sleep 0.05
    done
}

cutover_scale() { # scale
    local scale=$1 db=cut$1 pgbench_pid probe_pid stop=$IVORY_TEST_DIR/probe-stop refused=$IVORY_TEST_DIR/probe-refused run
    progress "cut-over, pgbench -s $scale: data, copy"
    source_sql postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    PGOPTIONS="-c client_min_messages=warning" pgbench -i -q -s "$scale" -h "$IVORY_TEST_DIR" \
        -p "$SOURCE_PORT" -U postgres $db >>"$BENCH_LOG" 2>&1
    source_sql $db -c "ALTER TABLE pgbench_history REPLICA IDENTITY FULL" \
        -c "CREATE TABLE probe (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())" -c "VACUUM ANALYZE"
    CUTOVER_SIZE[$scale]=$(source_sql $db -At -c "SELECT pg_size_pretty(pg_database_size('$db'))")
    drop_target $db
    {
        cutover_ivory $db copyschema
        cutover_ivory $db replication create
        cutover_ivory $db replication start --wait
    } >>"$BENCH_LOG" 2>&1
    checkpoint
    progress "cut-over, pgbench -s $scale: verify and the baseline, $RUNS runs each"
    for run in $(seq 1 "$RUNS"); do
        timed "baseline$scale" full_hash_baseline $db
        timed "verify$scale" cutover_ivory $db verify
    done
    LABEL[baseline$scale]="parallel full-hash baseline, -s $scale"
    SHORT[baseline$scale]="the baseline"
    LABEL[verify$scale]="\`ivory verify\`, -s $scale"
    SHORT[verify$scale]="verify on a quiet source"
    progress "cut-over, pgbench -s $scale: verify and switchover under pgbench -c 4"
    pgbench -n -c 4 -R "$CUTOVER_RATE" -T 3600 -h "$IVORY_TEST_DIR" -p "$SOURCE_PORT" -U postgres $db >>"$BENCH_LOG" 2>&1 &
    pgbench_pid=$!
    sleep 5
    for run in $(seq 1 "$RUNS"); do
        timed "verify_load$scale" cutover_ivory $db verify
    done
    LABEL[verify_load$scale]="\`ivory verify\` under pgbench -c 4 -R $CUTOVER_RATE, -s $scale"
    rm -f "$stop" "$refused"
    probe_writes $db "$stop" "$refused" &
    probe_pid=$!
    sleep 1
    local output=$IVORY_TEST_DIR/switchover-$scale.out
    cutover_ivory $db switchover --max-lag 16000000 --force >"$output" 2>&1
    local returned
    returned=$(now_ns)
    touch "$stop"
    wait "$probe_pid" || true
    kill "$pgbench_pid" 2>/dev/null || true
    wait "$pgbench_pid" 2>/dev/null || true
    cat "$output" >>"$BENCH_LOG"
    CUTOVER_WINDOW[$scale]=$(sed -n 's/.*the source was read-only for \([0-9.]*\) s.*/\1/p' "$output")
    CUTOVER_DRAIN[$scale]=$(sed -n 's/.*wait for final position: \([0-9.]*\) s.*/\1/p' "$output")
    CUTOVER_PROBE[$scale]=$(awk -v r="$(cat "$refused" 2>/dev/null)" -v e="$returned" 'BEGIN {printf (r == "" ? "—" : "%.2f"), (e - r) / 1e9}')
    cutover_ivory $db unlock-source >>"$BENCH_LOG" 2>&1
    drop_target $db
    source_sql postgres -c "DROP DATABASE $db" >/dev/null
}

cutover_dataset() {
    local scale
    for scale in $CUTOVER_SCALES; do cutover_scale "$scale"; done
}

cutover_report() {
    local scale last
    for scale in $CUTOVER_SCALES; do last=$scale; done
    table_head
    for scale in $CUTOVER_SCALES; do
        row "baseline$scale"
        if [ "$scale" = "$last" ]; then row "verify$scale" "baseline$scale" 1.5; else row "verify$scale" "baseline$scale"; fi
        row "verify_load$scale" "verify$scale"
    done
    echo
    echo "| switchover under pgbench -c 4 -R $CUTOVER_RATE | database | read-only window (ivory), s | window seen by the probe, s | of it, the lag drained (wait for final position), s | goal: window < 2 s + drained | |"
    echo "|---|---|---|---|---|---|---|"
    for scale in $CUTOVER_SCALES; do
        echo "| pgbench -s $scale | ${CUTOVER_SIZE[$scale]} | ${CUTOVER_WINDOW[$scale]:-—} | ${CUTOVER_PROBE[$scale]} | ${CUTOVER_DRAIN[$scale]:-—} | < $(awk -v d="${CUTOVER_DRAIN[$scale]:-0}" 'BEGIN {printf "%.2f", 2 + d}') | $(awk -v w="${CUTOVER_WINDOW[$scale]:-99}" -v d="${CUTOVER_DRAIN[$scale]:-0}" 'BEGIN {print (w < 2 + d ? "met" : "not met")}') |"
    done
}
