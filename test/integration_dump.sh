#!/usr/bin/env bash
# ivory.copy_schema's pg_dump child: interrupted by statement_timeout it is
# killed, its command line never shows the password, and an extension the
# target lacks is named. Needs root for the throwaway extension files.
set -u
source "$(dirname "$0")/lib_integration.sh"

EXTENSION_DIR="$(pg_config --sharedir)/extension"
TABLES=1500

# A schema large enough that dumping it takes a while.
fresh_pair bigschema
source_sql bigschema -c "DO \$\$ BEGIN FOR i IN 1..$TABLES LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, name text DEFAULT %L CHECK (name <> %L))',
                   i, 'n' || i, '');
    EXECUTE format('CREATE INDEX t%s_name ON t%s (name)', i, i);
  END LOOP; END \$\$"
target_sql bigschema -c "CREATE EXTENSION ivory"
tcp_source="host=127.0.0.1 port=$SOURCE_PORT dbname=bigschema user=ivory_tester password=right-Secret-42"

# Watch the process list while the dump runs.
target_sql bigschema -c "BEGIN" -c "SELECT 'tables ' || created FROM ivory.copy_schema('$tcp_source') WHERE object_type = 'TABLE'" \
    -c "ROLLBACK" >"$TMPDIR/copy.out" 2>&1 &
copier=$!
seen=""
while kill -0 "$copier" 2>/dev/null; do
    seen+=$(ps -eo args | grep '[p]g_dump' || true)
    sleep 0.02
done
wait "$copier"
if [ -n "$seen" ]; then
    pass "pg_dump was seen running as a child of the server"
    expect_not_in "right-Secret-42" "$seen" "pg_dump's command line does not show the password"
    expect_in "--schema-only" "$seen" "pg_dump runs with --schema-only"
else
    fail "pg_dump was never seen in the process list" "$(cat "$TMPDIR/copy.out")"
fi
expect_in "tables $TABLES" "$(cat "$TMPDIR/copy.out")" "the large schema copied with a password over TCP"

# statement_timeout shorter than the dump.
expect_statement_timeout bigschema 150ms "SELECT * FROM ivory.copy_schema('$tcp_source')" \
    "statement_timeout stops copy_schema during the dump" 3000
if pgrep -x pg_dump >/dev/null; then
    fail "no pg_dump process is left running" "$(ps -eo pid,args | grep '[p]g_dump')"
else
    pass "no pg_dump process is left running"
fi
tables=$(target_sql bigschema -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" = 0 ]; then pass "nothing of the interrupted copy remains"; else fail "$tables tables remain after the timeout"; fi

# An extension used on the source that the target server does not have: a
# throwaway extension installed, created on the source, and removed again.
cat >"$EXTENSION_DIR/ivory_test_only.control" <<CONTROL
default_version = '1.0'
relocatable = true
CONTROL
echo "CREATE FUNCTION ivory_test_only_answer() RETURNS int LANGUAGE sql AS 'SELECT 42';" \
    >"$EXTENSION_DIR/ivory_test_only--1.0.sql"
fresh_pair withextension
source_sql withextension -c "CREATE EXTENSION ivory_test_only" -c "CREATE TABLE kept (id int PRIMARY KEY)"
rm -f "$EXTENSION_DIR/ivory_test_only.control" "$EXTENSION_DIR/ivory_test_only--1.0.sql"
target_sql withextension -c "CREATE EXTENSION ivory"
missing_output=$(target_sql withextension -v ON_ERROR_STOP=0 -c \
    "SELECT * FROM ivory.copy_schema('host=$HOST port=$SOURCE_PORT user=postgres dbname=withextension')" 2>&1)
expect_in "extension ivory_test_only used on the source is not available on the target" \
    "$missing_output" "an extension missing on the target is named"
kept=$(target_sql withextension -c "SELECT count(*) FROM pg_tables WHERE tablename = 'kept'")
if [ "$kept" = 0 ]; then pass "nothing is copied when an extension is missing"; else fail "a table was copied"; fi

integration_summary
