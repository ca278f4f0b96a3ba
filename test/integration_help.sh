#!/usr/bin/env bash
# CLI integration tests of the help texts and the man page: every command's
# --help ends with an example, and the man page `make install` put in place is
# made from those very texts. Ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

MAN_PAGE=${IVORY_MAN_PAGE:-/usr/local/share/man/man1/ivory.1}
subcommands() { ivory "$@" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'; }
commands=()
for command in $(subcommands); do
    nested=$(subcommands "$command")
    if [ -z "$nested" ]; then
        commands+=("$command")
    else
        for sub in $nested; do commands+=("$command $sub"); done
    fi
done
expect_count 14 "${#commands[@]}" "ivory --help lists the commands, replication's six among them"

if [ -s "$MAN_PAGE" ]; then
    pass "make install put the man page at $MAN_PAGE"
else
    fail "no man page at $MAN_PAGE"
fi
page=$(cat "$MAN_PAGE" 2>/dev/null)
for command in "${commands[@]}"; do
    # shellcheck disable=SC2086 # the command's words
    help=$(ivory $command --help)
    example=$(printf '%s\n' "$help" | awk '/^Example:$/ {getline; sub(/^ +/, ""); print; exit}')
    if [ -n "$example" ] && [[ "$example" == ivory* || "$example" == *" ivory "* ]]; then
        pass "ivory $command --help ends with an example: $example"
    else
        fail "ivory $command --help has no example" "$help"
    fi
    expect_in ".SS \"ivory $command\"" "$page" "the man page has a section for ivory $command"
    # The man page holds the help text itself, line for line (backslashes
    # escaped for roff).
    missing=""
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        grep -qF -- "${line//\\/\\e}" <<<"$page" || missing+="$line"$'\n'
    done <<<"$help"
    if [ -z "$missing" ]; then
        pass "the man page holds ivory $command's help text line for line"
    else
        fail "the man page lacks lines of ivory $command --help" "$missing"
    fi
done
expect_in "$(ivory --version)" "$page" "the man page has the command's version"

integration_summary
