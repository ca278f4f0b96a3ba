#!/usr/bin/env bash
# CLI integration tests of `ivory replication status --watch`: on a terminal
# (a tmux pane, read back with capture-pane) the screen is redrawn in place and
# the percentage of a table being copied grows between two captures; on a
# non-terminal it prints plain timestamped lines. Against the clusters that
# run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh
TMUX_SOCKET="ivory-watch-$$"
tmux_cmd() { tmux -L "$TMUX_SOCKET" "$@"; }
trap 'tmux_cmd kill-server 2>/dev/null' EXIT

db=watch_copy
fresh_source $db
# Large enough that PostgreSQL's table-sync (text, every index maintained row
# by row) takes several seconds over it.
source_sql $db -c "CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL, n int NOT NULL)" \
    -c "CREATE INDEX big_payload_idx ON big (payload)" -c "CREATE INDEX big_n_idx ON big (n)" \
    -c "INSERT INTO big SELECT g, md5(g::text) || md5((g + 1)::text), g % 1000 FROM generate_series(1, 2000000) g" \
    -c "CREATE TABLE small (id int PRIMARY KEY)" -c "INSERT INTO small SELECT generate_series(1, 10)" >/dev/null
ivory_on $db copyschema
expect_status 0 "copyschema"
replication $db create
expect_status 0 "replication create"

watch_command="ivory --source-host '$HOST' --source-port '$SOURCE_PORT' --source-user ivory_tester \
--source-password '$SOURCE_PASSWORD' --source-dbname $db --target-host '$HOST' \
--target-port '$TARGET_PORT' --target-user postgres --target-dbname $db replication status --watch 1"
tmux_cmd new-session -d -x 150 -y 30 "$watch_command; echo \"watch exited \$?\"; sleep 600"
replication $db start --native-copy
expect_status 0 "replication start --native-copy"

screen() { tmux_cmd capture-pane -p; }
# The percentage shown for public.big, if any.
big_percent() { screen | sed -n 's/^public\.big  \[[#.]*\] *\([0-9.]*\)%.*/\1/p' | head -1; }
percent_shown() { [ -n "$(big_percent)" ]; }
if poll_until 60 percent_shown; then
    first=$(big_percent)
    first_screen=$(screen)
    pass "the screen shows public.big with a progress bar and a percentage ($first%)"
else
    first=""
    fail "no progress line for public.big on the screen within 60 s" "$(screen)"
fi
sleep 2.5
second=$(big_percent)
second_screen=$(screen)
if [ -n "$first" ] && [ -n "$second" ] && awk -v a="$first" -v b="$second" 'BEGIN {exit !(b > a)}'; then
    pass "the percentage grows between two captures ($first% then $second%)"
else
    fail "the percentage did not grow: '$first' then '$second'" "$second_screen"
fi
expect_in "ivory replication status every 1 s" "$first_screen" "the screen has its header"
expect_count 1 "$(printf '%s\n' "$second_screen" | grep -c "ivory replication status every")" \
    "the screen is redrawn in place: one header, not one per sample"
if printf '%s\n' "$second_screen" | grep -qE '^public\.big  \[#*\.*\] +[0-9.]+%  [0-9.]+ [kMG]?B of [0-9.]+ [kMG]?B  [0-9.]+ [kMG]?B/s( .*)?$'; then
    pass "public.big's line has bytes copied of total and a rate"
else
    fail "public.big's line lacks bytes or rate" "$second_screen"
fi
expect_in "tables ready" "$second_screen" "the screen counts the tables ready"
tmux_cmd send-keys C-c
exited() { screen | grep -q "watch exited"; }
if poll_until 10 exited; then
    pass "Ctrl-C ends the watch"
else
    fail "the watch did not end on Ctrl-C" "$(screen)"
fi
expect_status_ok_within 120 $db "after the copy"

# --- a non-terminal gets plain lines ----------------------------------------------------------
ivory --source-host "$HOST" --source-port "$SOURCE_PORT" --source-user ivory_tester \
    --source-password "$SOURCE_PASSWORD" --source-dbname $db --target-host "$HOST" \
    --target-port "$TARGET_PORT" --target-user postgres --target-dbname $db \
    replication status --watch 0.5 >"$TMPDIR/watch.out" 2>"$TMPDIR/watch.err" &
watcher=$!
sleep 1.8
kill -INT "$watcher"
wait "$watcher"
expect_count 0 "$?" "the watch ends with status 0 on SIGINT when replication is ready"
expect_count 0 "$(grep -c $'\033' "$TMPDIR/watch.out")" "no terminal escape codes on a non-terminal"
samples=$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC 2 of 2 tables ready$' "$TMPDIR/watch.out")
if [ "$samples" -ge 2 ]; then
    pass "plain timestamped lines, one set per sample ($samples samples)"
else
    fail "expected at least 2 timestamped samples" "$(cat "$TMPDIR/watch.out")"
fi
ivory_on $db replication status --watch 0
expect_status 2 "--watch 0 is a usage error"
drop_replication $db "watch"
ivory_objects_left $db "watch"

integration_summary
