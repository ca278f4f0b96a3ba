#!/usr/bin/env bash
# CLI integration tests of the HTML schema diff in a real browser: the page
# `ivory check` writes for drifting schemas is opened in headless Chromium
# (Debian's chromium), which renders a screenshot of it and the DOM it built;
# the DOM holds every differing object with its side-by-side cells marked.
# Against the clusters that run_tests.sh started; ends with
# "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

db=html_diff
fresh_pair $db
source_sql $db >/dev/null <<'SQL'
CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2), note text DEFAULT 'none');
CREATE INDEX orders_total_idx ON orders (total);
CREATE TABLE "Only <on> source" (id int PRIMARY KEY);
CREATE VIEW big_orders AS SELECT id FROM orders WHERE total > 100;
SQL
target_sql $db >/dev/null <<'SQL'
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2), note text DEFAULT 'n/a');
CREATE TABLE only_on_target (id int PRIMARY KEY);
CREATE VIEW big_orders AS SELECT id FROM orders WHERE total > 1000;
SQL

browser_dir="$TMPDIR/html-diff"
mkdir -p "$browser_dir"
TMPDIR="$browser_dir" ivory_check $db
expect_status 1 "check of drifting schemas"
html=$(printf '%s\n' "$ERR" | grep -oE '/[^ ]*ivory-schema-diff-[^ ]*\.html' | head -1)
if [ -n "$html" ] && [ -s "$html" ]; then
    pass "check writes the HTML diff and logs where ($html)"
else
    fail "no HTML diff written" "$ERR"
fi

# Chromium as root needs --no-sandbox; its own profile keeps it off $HOME.
chromium_run() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --user-data-dir="$browser_dir/profile" --window-size=1400,1000 "$@" "file://$html" \
        2>>"$browser_dir/chromium.err"
}
screenshot="$browser_dir/schema-diff.png"
chromium_run --screenshot="$screenshot" >/dev/null
if [ -s "$screenshot" ] && [ "$(head -c 8 "$screenshot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    pass "headless Chromium renders a screenshot of the diff ($(stat -c %s "$screenshot") bytes of PNG)"
else
    fail "no screenshot from Chromium" "$(tail -20 "$browser_dir/chromium.err")"
fi
# A page that rendered is more than one colour: a blank page compresses to a few hundred bytes.
expect_count 1 "$([ "$(stat -c %s "$screenshot" 2>/dev/null || echo 0)" -gt 5000 ] && echo 1 || echo 0)" \
    "the screenshot is not a blank page"

dom=$(chromium_run --dump-dom)
expect_in "Schema differences between source and target" "$dom" "Chromium built the page's DOM"
differing=$(target_sql $db -c "SELECT DISTINCT object_name FROM ivory.schema_diff('host=$HOST port=$SOURCE_PORT user=postgres dbname=$db') ORDER BY 1")
expect_count 6 "$(printf '%s\n' "$differing" | grep -c .)" "schema_diff names six differing objects"
while IFS= read -r object; do
    [ -n "$object" ] || continue
    escaped=$(printf '%s' "$object" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g')
    expect_in "$escaped" "$dom" "the rendered page shows $object"
done <<<"$differing"
expect_in 'class="value source missing"' "$dom" "a side where an object is missing is marked"
expect_in 'changed' "$dom" "a value that differs is marked as changed"

integration_summary
