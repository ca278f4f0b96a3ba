#!/usr/bin/env bash
# CLI integration tests of --json: check, replication status, syncsequences,
# verify and switchover print one JSON document on standard output with the
# fields of their SQL result, and keep their log on standard error. Against
# the clusters that run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh

# json_query PYTHON_EXPRESSION: evaluates the expression with `doc` bound to
# the JSON document in $OUT; prints the result, or "invalid JSON".
json_query() {
    printf '%s' "$OUT" | python3 -c '
import json, sys
try:
    doc = json.load(sys.stdin)
except ValueError as error:
    print("invalid JSON: %s" % error)
    sys.exit(0)
print(eval(sys.argv[1]))' "$1"
}
expect_json_parses() { # name
    if printf '%s' "$OUT" | python3 -m json.tool >/dev/null 2>&1; then
        pass "$1: standard output parses with python3 -m json.tool"
    else
        fail "$1: standard output is not one JSON document" "$OUT"
    fi
}

db=json_output
fresh_source $db
source_sql $db >/dev/null <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200) g;
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, item int REFERENCES items);
INSERT INTO orders (item) SELECT 1 + g % 200 FROM generate_series(1, 300) g;
CREATE TABLE "Notes ""quoted""" (id int PRIMARY KEY, body text);
INSERT INTO "Notes ""quoted""" VALUES (1, 'ä "quoted" \ backslash');
SQL
ivory_on $db copyschema
expect_status 0 "copyschema"

ivory_on $db --json check --no-webbrowser
expect_status 0 "check --json"
expect_json_parses "check --json"
expect_count True "$(json_query 'all(set(r) == {"checker", "description", "severity", "ok", "detail"} for r in doc) and len(doc) >= 12')" \
    "check --json: one object per check with the fields of ivory.check"
expect_count True "$(json_query 'all(r["ok"] is True for r in doc if r["severity"] == "error")')" \
    "check --json: ok is a JSON boolean"
expect_in "databases are ready" "$ERR" "check --json: the log stays on standard error"
expect_not_in "databases are ready" "$OUT" "check --json: no log line on standard output"

replication $db create
expect_status 0 "replication create"
replication $db start
expect_status 0 "replication start"
expect_status_ok_within 60 $db "replication"
replication $db status --json
expect_status 0 "replication status --json"
expect_json_parses "replication status --json"
expect_count 3 "$(json_query 'len([r for r in doc if r["item"] == "table"])')" \
    "replication status --json: one entry per table"
expect_count True "$(json_query 'sorted(r["name"] for r in doc if r["item"] == "table") == ["public.\"Notes \"\"quoted\"\"\"", "public.items", "public.orders"]')" \
    "replication status --json: the tables by name, quotes intact"
expect_count True "$(json_query 'all(list(r) == ["item", "name", "state", "severity", "detail", "bytes_copied", "bytes_total", "percent", "lag_bytes", "age_seconds"] for r in doc)')" \
    "replication status --json: the fields of ivory.replication_status, in order"
expect_count True "$(json_query 'all(r["bytes_copied"] is None for r in doc if r["item"] == "table")')" \
    "replication status --json: NULL is null"

source_sql $db -c "SELECT nextval('orders_id_seq')" >/dev/null
ivory_on $db --json syncsequences --equal
expect_status 0 "syncsequences --json"
expect_json_parses "syncsequences --json"
expect_count True "$(json_query '[(r["sequence_name"], r["target_value"]) for r in doc] == [("public.orders_id_seq", 301)]')" \
    "syncsequences --json: the sequence and its new value as a number"

if wait_until 60 tables_match $db; then
    pass "tables match before verify"
else
    fail "tables differ before verify:$MISMATCHED"
fi
ivory_on $db --json verify
expect_status 0 "verify --json"
expect_json_parses "verify --json"
expect_count True "$(json_query 'sorted((r["table_name"], r["source_rows"], r["matches"]) for r in doc)[1:] == [("public.items", 200, True), ("public.orders", 300, True)]')" \
    "verify --json: each table with its row count (a number) and matches (a boolean)"

ivory_on $db --json switchover --timeout 60
expect_status 0 "switchover --json"
expect_json_parses "switchover --json"
expect_count True "$(json_query 'len(doc) > 0 and all(set(r) == {"step", "seconds", "detail", "evidence"} for r in doc)')" \
    "switchover --json: one object per step with the fields of ivory.switchover"
expect_count True "$(json_query '[r["evidence"]["lsn"].startswith("0/") for r in doc if r["step"] == "wait for final position"] == [True]')" \
    "switchover --json: the evidence is nested JSON, the switch's LSN in it"
ivory_on $db unlock-source
expect_status 0 "unlock-source after the switchover"
ivory_on $db replication drop
ivory_objects_left $db "json"

ivory_on $db --json replication status
expect_status 1 "replication status --json without a subscription"
expect_count "" "$OUT" "a failing command prints no JSON"

integration_summary
