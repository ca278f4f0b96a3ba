#!/usr/bin/env bash
# CLI integration tests of the switchover's rehearsal and report:
# `switchover --dry-run` measures every step, forecasts the read-only window
# and changes nothing (a catalog fingerprint of both sides, taken before and
# after, is the same; the source stays writable and the replication streams);
# it names an open transaction on the source as a blocker and exits 1 without
# ending it; `--report FILE` writes the evidence (checks, steps, each table's
# hashes on both sides, the LSN of the switch), as Markdown or JSON, of a
# rehearsal and of a real switchover under pgbench load. Against the clusters
# that run_tests.sh started. Prints "ok"/"not ok" per assertion and ends with
# "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

db=dry_run
pgbench_source $db 1 \
    -c 'CREATE TABLE "Odd | Name" (id int PRIMARY KEY, body text)' \
    -c "INSERT INTO \"Odd | Name\" SELECT g, 'row ' || g FROM generate_series(1, 300) g" \
    -c "SELECT lo_from_bytea(0, 'a large object')" >/dev/null
replicate $db "dry run"

# What a rehearsal must leave as it was, on either side: the catalog of the
# database (relations, columns, constraints, indexes, triggers, grants), the
# settings of databases and roles, the roles, the replication objects and
# their states, the large objects and every sequence's value.
fingerprint() { # port
    sql "$1" $db -c "SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
        SELECT format('rel %s.%s %s %s %s', n.nspname, c.relname, c.relkind, c.relacl, c.relreplident)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relpersistence <> 't'
        UNION ALL SELECT format('att %s %s %s %s', a.attrelid::regclass, a.attname, a.atttypid, a.attnotnull)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relpersistence <> 't'
        UNION ALL SELECT format('con %s %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint
        UNION ALL SELECT format('trg %s %s', tgname, tgenabled) FROM pg_trigger
        UNION ALL SELECT format('set %s %s %s', setdatabase, setrole, setconfig) FROM pg_db_role_setting
        UNION ALL SELECT format('role %s %s %s', rolname, rolcanlogin, rolconfig) FROM pg_roles
        UNION ALL SELECT format('db %s %s %s', datname, datallowconn, datacl) FROM pg_database
        UNION ALL SELECT format('sub %s %s', subname, subenabled) FROM pg_subscription
        UNION ALL SELECT format('subrel %s %s', srrelid::regclass, srsubstate) FROM pg_subscription_rel
        UNION ALL SELECT format('pub %s', pubname) FROM pg_publication
        UNION ALL SELECT format('pubrel %s', prrelid::regclass) FROM pg_publication_rel
        UNION ALL SELECT format('slot %s %s %s', slot_name, plugin, slot_type) FROM pg_replication_slots
        UNION ALL SELECT format('lo %s %s', oid, lomowner) FROM pg_largeobject_metadata
        UNION ALL SELECT format('seq %s.%s %s', schemaname, sequencename, last_value) FROM pg_sequences
    ) s(x)"
}
source_before=$(fingerprint "$SOURCE_PORT")
target_before=$(fingerprint "$TARGET_PORT")

# A rehearsal on a quiet source, with a Markdown report.
report_md=$TMPDIR/rehearsal.md
rm -f "$report_md"
ivory_on $db switchover --dry-run --report "$report_md"
expect_status 0 "switchover --dry-run on a quiet source"
for step in "rehearsing the switchover" "wait for sync: " "check blockers: " "verify data online: " \
    "lock source: " "not locked (dry run): the lock would end " "wait for final position: " \
    "sync sequences: " "copy large objects: " "compare row counts: " "drop replication: " \
    "forecast: the source would be read-only for about " "dry run complete: nothing was locked or changed"; do
    expect_in "$step" "$ERR" "the rehearsal reports '${step%: }'"
done
expect_not_in "the source was read-only for" "$ERR" "the rehearsal claims no read-only window"
expect_count "$source_before" "$(fingerprint "$SOURCE_PORT")" "the rehearsal changed nothing on the source"
expect_count "$target_before" "$(fingerprint "$TARGET_PORT")" "the rehearsal changed nothing on the target"
run psql -X -q -At -h "$HOST" -p "$SOURCE_PORT" -U postgres -d $db \
    -c "INSERT INTO \"Odd | Name\" VALUES (1001, 'after the rehearsal')"
expect_status 0 "the source stays writable after the rehearsal"
arrived() { [ "$(target_sql $db -c 'SELECT count(*) FROM "Odd | Name" WHERE id = 1001')" = 1 ]; }
if wait_until 30 arrived; then
    pass "the replication still streams after the rehearsal"
else
    fail "a row written after the rehearsal did not arrive"
fi
if [ -f "$report_md" ] && [ "$(stat -c %a "$report_md")" = 600 ]; then
    pass "the report is written, readable by its owner only"
else
    fail "no report file, or not mode 600" "$(ls -l "$report_md" 2>&1)"
fi
report=$(cat "$report_md" 2>/dev/null)
for text in "# ivory switchover: rehearsal (--dry-run)" "- Outcome: rehearsed: nothing was locked or changed" \
    "- Forecast read-only window: " "- Source position the target confirmed in the rehearsal: 0/" \
    "## Checks" "| wal_level |" "## What would hold up the lock" "## Steps" "| verify data online |" \
    "## Tables: verify data online" "| public.pgbench_accounts | 100000 | 100000 | yes |" \
    '| public."Odd \| Name" | 300 | 300 | yes |' "A table's hash is \`sum(pg_catalog.hashtextextended"; do
    expect_in "$text" "$report" "the Markdown report has '$text'"
done
expect_not_in "$SOURCE_PASSWORD" "$report" "the report never shows the source's password"
# A table's hash in the report is what a DBA gets by hand on either side.
by_hand() { # port
    sql "$1" $db -c "SET extra_float_digits = 1" -c "SET DateStyle = 'ISO, YMD'" -c "SET TimeZone = 'UTC'" \
        -c "SELECT sum(pg_catalog.hashtextextended(t::pg_catalog.text, 0)) FROM public.pgbench_accounts t"
}
source_hash=$(by_hand "$SOURCE_PORT")
target_hash=$(by_hand "$TARGET_PORT")
expect_count "$source_hash" "$target_hash" "pgbench_accounts hashes alike by hand on both sides"
expect_in "| public.pgbench_accounts | 100000 | 100000 | yes | $source_hash | $target_hash |" "$report" \
    "the report's hashes of pgbench_accounts are those computed by hand"

# An open transaction on the source: named as a blocker; the rehearsal exits
# 1 and ends nothing.
{
    echo "BEGIN; SELECT count(*) FROM pgbench_branches;"
    sleep 60
} | psql -X -q -h "$HOST" -p "$SOURCE_PORT" -U postgres -d $db >/dev/null 2>&1 &
idle_pid=$!
sleep 3
ivory_on $db switchover --dry-run
expect_status 1 "switchover --dry-run with a transaction open on the source"
expect_in "check blockers: " "$ERR" "the rehearsal with an open transaction still reports each step"
expect_in "would stop before the lock: postgres (pid " "$ERR" "the rehearsal names the open transaction"
expect_in "idle in transaction" "$ERR" "the rehearsal says the session is idle in a transaction"
expect_in "dry run: a switchover now would stop: " "$ERR" "the rehearsal says a switchover would stop"
expect_count 1 "$(source_sql $db -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'
    AND state = 'idle in transaction'")" "the rehearsal left the open transaction alone"
expect_count "$source_before" "$(fingerprint "$SOURCE_PORT")" \
    "the rehearsal with an open transaction changed nothing on the source"
ivory_on $db switchover --dry-run --force
expect_status 0 "switchover --dry-run --force with the transaction open"
kill "$idle_pid" 2>/dev/null
wait "$idle_pid" 2>/dev/null

# NULL is no choice: the SQL function refuses it rather than switch over.
run target_sql $db -c "SELECT * FROM ivory.switchover('host=$HOST port=$SOURCE_PORT dbname=$db user=postgres', dry_run => NULL)"
expect_status 1 "ivory.switchover(dry_run => NULL)"
expect_in "dry_run must not be NULL" "$ERR" "a NULL dry_run is named"

# A report that cannot be written stops a switchover before it starts.
ivory_on $db switchover --report "$TMPDIR/no such directory/report.md"
expect_status 1 "switchover --report into a missing directory"
expect_in "could not create $TMPDIR/no such directory/report.md" "$ERR" "the report's path is named"
expect_not_in "lock source" "$ERR" "nothing of the switchover ran"
expect_count 1 "$(target_sql $db -c "SELECT count(*) FROM pg_subscription WHERE subname = 'ivory_subscription'")" \
    "the replication is still there"

# Under pgbench: a rehearsal with a JSON report, then the real switchover
# with one.
pgbench -n -c 4 -T 120 -R 100 -h "$HOST" -p "$SOURCE_PORT" -U postgres $db >"$TMPDIR/pgbench.out" 2>&1 &
pgbench_pid=$!
sleep 3
report_json=$TMPDIR/rehearsal.json
ivory_on $db switchover --dry-run --max-lag 16000000 --force --report "$report_json"
expect_status 0 "switchover --dry-run under pgbench load"
report=$(cat "$report_json" 2>/dev/null)
for text in '"dry_run": true' '"forecast_read_only_seconds": ' '"position_rehearsed": "0/' \
    '"step": "verify data online"' '"table": "public.pgbench_accounts"' '"source_hash": "' \
    '"checker": "wal_level"'; do
    expect_in "$text" "$report" "the JSON report of the rehearsal has '$text'"
done
if kill -0 "$pgbench_pid" 2>/dev/null; then
    pass "pgbench kept writing through the rehearsal"
else
    fail "pgbench stopped during the rehearsal" "$(cat "$TMPDIR/pgbench.out")"
fi

report_md=$TMPDIR/switchover.md
ivory_on $db switchover --max-lag 16000000 --force --report "$report_md"
expect_status 0 "switchover --report under pgbench load"
report=$(cat "$report_md" 2>/dev/null)
for text in "# ivory switchover: report" "- Outcome: completed" "- Switch position (LSN): 0/" \
    "- Read-only window: " "| lock source |" "| wait for final position |" "## Tables: verify data online" \
    "## Tables: compare row counts" "| public.pgbench_accounts | 100000 | 100000 | yes |"; do
    expect_in "$text" "$report" "the report of the switchover has '$text'"
done
lsn=$(sed -n 's/^- Switch position (LSN): //p' "$report_md")
expect_in "confirmed up to $lsn" "$ERR" "the report's switch position is the one switchover confirmed"
expect_committed_rows_after_switchover "$pgbench_pid" $db
ivory_objects_left $db "after the switchover"
ivory_on $db unlock-source
expect_status 0 "unlock-source"

integration_summary
