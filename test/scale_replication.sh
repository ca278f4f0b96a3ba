#!/usr/bin/env bash
# Scale test (issue 6): a source with 2,000 tables replicated end to end with
# the installed `ivory` against the clusters that run_tests.sh started
# ($IVORY_TEST_DIR, $SOURCE_PORT, $TARGET_PORT): copyschema, the memory an
# ivory.check of it takes in the target backend, replication create, start,
# status until ready, every table compared row for row, the status rows, and
# drop leaving nothing behind. Timing goals are bench/replication_scale's, not
# asserted here; durations are printed as indented information lines.
# Run by `make test-faults`. Prints "ok"/"not ok" per assertion and ends with
# "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh
TABLES=2000
MEMORY_LIMIT_KB=$((100 * 1024))
SYNC_DEADLINE=300 # seconds until every table is ready (ivory's copy: a few; native: about 45)
db=scale_2000
SOURCE_CONNINFO="host=$HOST port=$SOURCE_PORT user=ivory_tester password=$SOURCE_PASSWORD dbname=$db"
script_start=$SECONDS

info() { echo "    $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Every user table of one side with its row count and an md5 of its rows in
# text order, one line per table, in one query: equal output on both sides
# means every table matches row for row.
TABLE_HASHES_SQL=$(
    cat <<'SQL'
SET TimeZone = 'UTC';
SELECT format('%I.%I', n.nspname, c.relname),
       (xpath('/row/h/text()', query_to_xml(format(
           'SELECT count(*) || '':'' || md5(coalesce(string_agg(x::text, '','' ORDER BY x::text), '''')) AS h FROM %I.%I x',
           n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('information_schema', 'ivory')
  AND n.nspname NOT LIKE 'pg\_%'
ORDER BY format('%I.%I', n.nspname, c.relname) COLLATE "C";
SQL
)
table_hashes() { # port
    sql "$1" $db -F ' ' <<<"$TABLE_HASHES_SQL" 2>&1
}

# True when both sides have the same tables with the same rows; MISMATCHED
# names the tables that differ (or the error).
scale_tables_match() {
    local source_hashes target_hashes
    source_hashes=$(table_hashes "$SOURCE_PORT")
    target_hashes=$(table_hashes "$TARGET_PORT")
    MISMATCHED=$(diff <(printf '%s\n' "$source_hashes") <(printf '%s\n' "$target_hashes") |
        sed -n 's/^[<>] \([^ ]*\).*/\1/p' | sort -u | paste -sd ' ')
    [ -z "$MISMATCHED" ]
}

# --- a source with 2,000 tables -------------------------------------------------------
# Four kinds of table in two schemas, 1 to 7 rows each; created in one DO block.
fresh_source $db
start_ms=$(now_ms)
source_sql $db <<SQL
CREATE SCHEMA other;
DO \$\$
DECLARE
    t text;
BEGIN
    FOR i IN 1..$TABLES LOOP
        t := format('%I.%I', CASE WHEN i % 5 = 0 THEN 'other' ELSE 'public' END, 't' || i);
        CASE i % 4
        WHEN 0 THEN
            EXECUTE format('CREATE TABLE %s (id int PRIMARY KEY, label text NOT NULL)', t);
            EXECUTE format('CREATE INDEX ON %s (label)', t);
            EXECUTE format('INSERT INTO %s SELECT g, %L || g FROM generate_series(1, %s) g',
                           t, 'row ', 1 + i % 7);
        WHEN 1 THEN
            EXECUTE format('CREATE TABLE %s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                            amount numeric(12,2) CHECK (amount >= 0), at timestamptz DEFAULT now())', t);
            EXECUTE format('INSERT INTO %s (amount) SELECT g * 1.25 FROM generate_series(1, %s) g',
                           t, 1 + i % 5);
        WHEN 2 THEN
            EXECUTE format('CREATE TABLE %s (a int, b text, payload jsonb, PRIMARY KEY (a, b))', t);
            EXECUTE format('INSERT INTO %s SELECT g, md5(g::text), jsonb_build_object(%L, g)
                            FROM generate_series(1, %s) g', t, 'k', 1 + i % 3);
        ELSE
            EXECUTE format('CREATE TABLE %s (code text PRIMARY KEY, flag boolean, n int[])', t);
            EXECUTE format('INSERT INTO %s SELECT %L || g, g %% 2 = 0, ARRAY[g, g * 2]
                            FROM generate_series(1, %s) g', t, 'c', 1 + i % 4);
        END CASE;
    END LOOP;
END
\$\$;
SQL
info "source: $TABLES tables created in $(($(now_ms) - start_ms)) ms"
expect_count $TABLES "$(source_sql $db -c "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'other')")" \
    "the source has $TABLES tables"
expect_count $TABLES "$(source_sql $db -c "SELECT count(*) FROM pg_index i JOIN pg_tables t
    ON i.indrelid = format('%I.%I', t.schemaname, t.tablename)::regclass
    WHERE i.indisprimary AND t.schemaname IN ('public', 'other')")" "each of them has a primary key"

# --- the schema on the target ------------------------------------------------------------
start_ms=$(now_ms)
ivory_on $db copyschema
expect_status 0 "copyschema of $TABLES tables"
info "copyschema: $(($(now_ms) - start_ms)) ms"
expect_in "$TABLES TABLE" "$ERR" "copyschema reports $TABLES tables created"
expect_count $TABLES "$(target_sql $db -c "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'other')")" \
    "the target has the $TABLES tables"

# --- the memory of ivory.check in the target backend -------------------------------------
# One psql session as a coprocess, so that the backend stays the same: its pid,
# its resident size once the library is loaded, the peak reset through
# /proc/<pid>/clear_refs (as root; the cluster runs as postgres), the check, then
# the peak (VmHWM). The growth is the backend's own memory: the peak less the
# shared-buffer pages the check mapped (RssShmem after less before), which were
# allocated when the server started. Those pages stay mapped, so subtracting
# all of them can only undercount by pages mapped after the peak: catalog
# pages, read before the comparison's peak.
trap '' PIPE # a session that ended early is an answer to report, not a reason to stop
coproc TARGET_SESSION {
    psql -X -q -At -F '|' -h "$HOST" -p "$TARGET_PORT" -U postgres -d $db 2>&1
}
session_pid=$TARGET_SESSION_PID
session_out=${TARGET_SESSION[0]}
session_in=${TARGET_SESSION[1]}
ask() { # sql: prints what the session answers (results and errors)
    local line answer=""
    printf '%s;\n\\echo __ivory_scale_done__\n' "$1" 1>&"$session_in"
    while IFS= read -r -t 300 line <&"$session_out"; do
        [ "$line" = "__ivory_scale_done__" ] && break
        answer+="$line"$'\n'
    done
    printf '%s' "$answer"
}
memory_kb() { # pid field
    sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB$/\1/p" "/proc/$1/status"
}
backend_pid=$(ask "SELECT pg_backend_pid() FROM (SELECT ivory.version()) v")
# measured_growth WHAT SQL: runs the SQL in the session with the peak reset;
# sets ANSWER and GROWTH (kB), or fails and returns 1.
measured_growth() {
    local rss_before anon_before shmem_before peak_after_reset start_ms peak anon_after shmem_after
    if ! [[ "$backend_pid" =~ ^[0-9]+$ ]] || [ ! -r "/proc/$backend_pid/status" ]; then
        fail "$1: a target session for the memory measurement" "$backend_pid"
        return 1
    elif ! echo 5 2>/dev/null >"/proc/$backend_pid/clear_refs"; then
        fail "$1: resetting the peak resident size of backend $backend_pid (/proc/$backend_pid/clear_refs; run as root)"
        return 1
    fi
    rss_before=$(memory_kb "$backend_pid" VmRSS)
    anon_before=$(memory_kb "$backend_pid" RssAnon)
    shmem_before=$(memory_kb "$backend_pid" RssShmem)
    peak_after_reset=$(memory_kb "$backend_pid" VmHWM)
    if [ "$peak_after_reset" -gt $((rss_before + 1024)) ]; then
        fail "$1: clear_refs did not reset the peak: VmHWM $peak_after_reset kB, VmRSS $rss_before kB"
    fi
    start_ms=$(now_ms)
    ANSWER=$(ask "$2")
    info "$1: $(($(now_ms) - start_ms)) ms"
    peak=$(memory_kb "$backend_pid" VmHWM)
    anon_after=$(memory_kb "$backend_pid" RssAnon)
    shmem_after=$(memory_kb "$backend_pid" RssShmem)
    GROWTH=$((peak - rss_before - (shmem_after - shmem_before)))
    info "$1: backend $backend_pid: VmRSS before $((rss_before / 1024)) MB, peak $((peak / 1024)) MB;" \
        "after: RssAnon +$(((anon_after - anon_before) / 1024)) MB, RssShmem +$(((shmem_after - shmem_before) / 1024)) MB"
}
expect_growth_within_limit() { # what
    if [ "$GROWTH" -lt "$MEMORY_LIMIT_KB" ]; then
        pass "$1 on $TABLES tables grows the backend's own memory by $((GROWTH / 1024)) MB at its peak (limit 100 MB)"
    else
        fail "$1 on $TABLES tables grows the backend's own memory by $((GROWTH / 1024)) MB at its peak (limit 100 MB)"
    fi
}
# The same schemas: the digests agree and no fact is read.
if measured_growth "ivory.check" "SELECT count(*), count(*) FILTER (WHERE severity = 'error' AND NOT ok),
        coalesce(string_agg(checker || ': ' || detail, ' / ') FILTER (WHERE severity = 'error' AND NOT ok), '')
        FROM ivory.check('$SOURCE_CONNINFO')"; then
    IFS='|' read -r check_count check_failed _ <<<"$ANSWER"
    if [[ "${check_count:-}" =~ ^[0-9]+$ ]] && [ "$check_count" -ge 12 ] && [ "${check_failed:-}" = 0 ]; then
        pass "ivory.check on $TABLES tables: $check_count checks, no error"
        expect_growth_within_limit "ivory.check"
    else
        fail "ivory.check on $TABLES tables: expected 12 checks or more and no error" "$ANSWER"
    fi
fi
# One difference: both sides' facts are read and compared (the peak).
if measured_growth "ivory.schema_diff" "BEGIN; ALTER TABLE public.t1 ADD COLUMN scale_extra int;
        SELECT count(*) FROM ivory.schema_diff('$SOURCE_CONNINFO'); ROLLBACK"; then
    if [ "$ANSWER" = 1 ]; then
        pass "ivory.schema_diff on $TABLES tables finds the one difference"
        expect_growth_within_limit "ivory.schema_diff"
    else
        fail "ivory.schema_diff on $TABLES tables: expected the one difference" "$ANSWER"
    fi
fi
printf '\\q\n' 1>&"$session_in" 2>/dev/null
wait "$session_pid" 2>/dev/null
trap - PIPE

# --- create, start, status until ready ------------------------------------------------------
replication $db create
expect_status 0 "replication create with $TABLES tables"
expect_in "tables $TABLES: registered" "$ERR" "create registers the $TABLES tables"
replication $db status --collapse-initializing-relations
expect_status 1 "status before start"
expect_in "$TABLES tables initializing" "$ERR" "status before start folds the $TABLES waiting tables into one line"

sync_start=$SECONDS
replication $db start --wait
expect_status 0 "replication start --wait with $TABLES tables"
# Changes once start returned (ivory's copy is done by then; writes during a
# copy are integration_initial_copy.sh's): 100 tables in both schemas get rows
# inserted, updated and deleted.
source_sql $db <<'SQL'
DO $$
DECLARE
    t text;
BEGIN
    FOR i IN 8..2000 BY 8 LOOP
        CONTINUE WHEN i % 40 NOT IN (0, 8);
        t := format('%I.%I', CASE WHEN i % 5 = 0 THEN 'other' ELSE 'public' END, 't' || i);
        EXECUTE format('INSERT INTO %s SELECT g, %L || g FROM generate_series(1001, 1003) g', t, 'new ');
        EXECUTE format('UPDATE %s SET label = label || %L WHERE id = 1', t, ' (updated)');
        EXECUTE format('DELETE FROM %s WHERE id = 2', t);
    END LOOP;
END
$$;
SQL
expect_count 100 "$(source_sql $db -c "SELECT count(*) FROM pg_tables t WHERE schemaname IN ('public', 'other')
    AND (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I WHERE label LIKE ''%%(updated)''',
        t.schemaname, t.tablename), false, true, '')))[1]::text::int = 1
    AND tablename ~ '^t[0-9]+$' AND substr(tablename, 2)::int % 4 = 0")" \
    "100 tables changed on the source after start"

if wait_until $SYNC_DEADLINE status_is_ok $db --collapse-initializing-relations; then
    pass "status exits 0 within $SYNC_DEADLINE s: all $TABLES tables ready"
else
    fail "status did not exit 0 within $SYNC_DEADLINE s" "$(printf '%s\n' "$ERR" | grep -v ': ready$' | tail -30)"
fi
info "initial copy of $TABLES tables: $((SECONDS - sync_start)) s until status exits 0"
expect_in "replication is ready: $TABLES of $TABLES tables ready" "$ERR" "status ends with the summary"

# --- ivory.replication_status: a row per table ----------------------------------------------
start_ms=$(now_ms)
status_counts=$(target_sql $db -c "SELECT count(*) FILTER (WHERE item = 'table') || ' ' ||
        count(*) FILTER (WHERE item = 'table' AND state = 'ready' AND severity = 'ok') || ' ' ||
        count(DISTINCT name) FILTER (WHERE item = 'table') || ' ' ||
        md5(string_agg(name, ',' ORDER BY name COLLATE \"C\") FILTER (WHERE item = 'table')) || ' ' ||
        count(*) FILTER (WHERE item <> 'table' AND severity = 'error')
    FROM ivory.replication_status()" 2>&1)
status_ms=$(($(now_ms) - start_ms))
read -r status_tables status_ready status_distinct status_names_md5 status_errors <<<"$status_counts"
expect_count $TABLES "${status_tables:-$status_counts}" "ivory.replication_status has a table row per table"
expect_count $TABLES "${status_ready:-$status_counts}" "every table row is ready with severity ok"
expect_count $TABLES "${status_distinct:-$status_counts}" "the table rows name $TABLES different tables"
source_names_md5=$(source_sql $db -c "SELECT md5(string_agg(format('%I.%I', schemaname, tablename), ','
    ORDER BY format('%I.%I', schemaname, tablename) COLLATE \"C\")) FROM pg_tables
    WHERE schemaname IN ('public', 'other')")
expect_count "$source_names_md5" "${status_names_md5:-$status_counts}" \
    "the table rows name exactly the source's tables (md5 of the sorted names)"
expect_count 0 "${status_errors:-$status_counts}" "no other status row is an error"
info "ivory.replication_status on $TABLES ready tables: $status_ms ms (psql included; the goal is bench/replication_scale's)"

# --- every table row for row ------------------------------------------------------------------
# Status says ready once each table's copy is done; the changes may still be applied.
if wait_until 60 scale_tables_match; then
    pass "all $TABLES tables match the source row for row (one md5 per table, one query per side)"
else
    fail "tables differ from the source after 60 s: $(echo "$MISMATCHED" | wc -w) tables" \
        "$(echo "$MISMATCHED" | fold -s -w 100)"
fi
expect_count $TABLES "$(table_hashes "$SOURCE_PORT" | grep -c ' [1-9][0-9]*:')" \
    "the comparison covered $TABLES tables with rows"
expect_count 100 "$(target_sql $db -c "SELECT count(*) FROM pg_tables t WHERE schemaname IN ('public', 'other')
    AND tablename ~ '^t[0-9]+$' AND substr(tablename, 2)::int % 4 = 0
    AND (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I WHERE id > 1000',
        t.schemaname, t.tablename), false, true, '')))[1]::text::int = 3")" \
    "the rows changed after start arrived in the 100 tables"

# --- drop leaves nothing behind ----------------------------------------------------------------
replication $db drop
expect_status 0 "replication drop with $TABLES tables"
expect_in "subscription ivory_subscription: dropped" "$ERR" "drop reports the subscription"
if wait_until 10 no_source_slots $db; then
    pass "no replication slot of any kind remains for $db on the source"
else
    fail "replication slots remain for $db on the source" \
        "$(source_sql postgres -c "SELECT slot_name, slot_type, active FROM pg_replication_slots")"
fi
expect_count 0 "$(source_sql $db -c "SELECT count(*) FROM pg_publication")" "no publication remains on the source"
expect_count 0 "$(target_subscriptions $db)" "no subscription remains on the target"
expect_count 0 "$(source_sql postgres -c "SELECT count(*) FROM pg_roles WHERE rolname = 'ivory_replicator'")" \
    "the role ivory_replicator is gone from the source"

# The comparison above can fail: a row changed on the target is found and named.
target_sql $db -c "UPDATE other.t40 SET label = 'changed on the target' WHERE id = 1"
if scale_tables_match; then
    fail "a row changed on the target goes unnoticed by the comparison"
else
    expect_count "other.t40" "$MISMATCHED" "the comparison names the one table changed on the target"
fi

# The clusters stay for the scripts after this one, without the 2,000 tables.
source_sql postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
target_sql postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
info "scale_replication.sh: $((SECONDS - script_start)) s"
integration_summary
