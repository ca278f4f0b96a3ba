#!/usr/bin/env bash
# The documentation is complete and its links work; needs no server, only
# cli/ivory (built here when missing). Run from the repository root:
#   - every function and view of ivory--*.sql is in doc/sql.md;
#   - every command of `ivory --help` (and nested) has a heading in doc/cli.md;
#   - doc/cli.md is what doc/make_cli_reference.sh makes from --help now;
#   - every relative Markdown link of README.md and doc/*.md resolves, files
#     and #anchors (GitHub's anchors);
#   - README.md stays short; LICENSE is the PostgreSQL Licence for ivory;
#     META.json names it and ivory.control's version.
# Prints "ok"/"not ok" per assertion and ends with "integration: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
export LC_ALL=C
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() {
    FAILED=$((FAILED + 1))
    echo "not ok - $1"
    [ -n "${2:-}" ] && printf '%s\n' "${2%$'\n'}" | head -40 | sed 's/^/    /'
}
summary() { echo "integration: $PASSED passed, $FAILED failed"; }

IVORY=${IVORY_DOCS_CLI:-cli/ivory}
README_MAX_LINES=220
[ -x "$IVORY" ] || make -s cli/ivory >/dev/null 2>&1
if [ ! -x "$IVORY" ]; then
    fail "$IVORY is missing and make -s cli/ivory did not build it"
    summary
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- (a) the SQL objects are in doc/sql.md -------------------------------------------
objects=$(sed -nE 's/^[[:space:]]*CREATE[[:space:]]+(OR[[:space:]]+REPLACE[[:space:]]+)?(FUNCTION|VIEW)[[:space:]]+ivory\.([A-Za-z0-9_]+).*/\3/Ip' \
    ivory--*.sql | sort -u)
wrappers=$(sed -nE 's/^[[:space:]]*CREATE[[:space:]]+FOREIGN[[:space:]]+DATA[[:space:]]+WRAPPER[[:space:]]+([A-Za-z0-9_]+).*/\1/Ip' \
    ivory--*.sql | sort -u)
if [ -z "$objects" ]; then
    fail "no CREATE FUNCTION/VIEW ivory.* found in ivory--*.sql"
elif [ ! -f doc/sql.md ]; then
    fail "doc/sql.md is missing"
else
    missing=""
    for name in $objects; do
        grep -qE "ivory\.$name([^A-Za-z0-9_]|$)" doc/sql.md || missing+="ivory.$name"$'\n'
    done
    for name in $wrappers; do
        grep -qE "(^|[^A-Za-z0-9_.])$name([^A-Za-z0-9_]|$)" doc/sql.md || missing+="$name (foreign-data wrapper)"$'\n'
    done
    if [ -z "$missing" ]; then
        pass "doc/sql.md names every function and view of ivory--*.sql ($(echo $objects $wrappers | wc -w))"
    else
        fail "doc/sql.md lacks objects of ivory--*.sql" "$missing"
    fi
fi

# --- (b) every command has a section in doc/cli.md --------------------------------------
subcommands() { "$IVORY" "$@" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'; }
commands=()
for command in $(subcommands); do
    commands+=("$command")
    for sub in $(subcommands "$command"); do commands+=("$command $sub"); done
done
if [ "${#commands[@]}" -eq 0 ]; then
    fail "$IVORY --help lists no subcommands"
else
    missing=""
    for command in "${commands[@]}"; do
        grep -qxF "## ivory $command" doc/cli.md 2>/dev/null || missing+="## ivory $command"$'\n'
    done
    if [ -z "$missing" ]; then
        pass "doc/cli.md has a section for each of the ${#commands[@]} commands of ivory --help"
    else
        fail "doc/cli.md lacks sections for commands of ivory --help" "$missing"
    fi
fi

# --- (c) doc/cli.md is generated from the --help texts ------------------------------------
if ! doc/make_cli_reference.sh "$IVORY" "$work/cli.md" 2>"$work/generate.err"; then
    fail "doc/make_cli_reference.sh failed" "$(cat "$work/generate.err")"
elif differences=$(diff -u doc/cli.md "$work/cli.md" 2>&1); then
    pass "doc/cli.md is what doc/make_cli_reference.sh makes from the --help texts"
else
    fail "doc/cli.md differs from the --help texts; regenerate it with: make -s cli/ivory && doc/make_cli_reference.sh cli/ivory doc/cli.md" \
        "$differences"
fi

# --- (d) relative links resolve -------------------------------------------------------------
# A file's text without fenced code blocks and inline code.
prose() { awk '/^[[:space:]]*(```|~~~)/ {fenced = !fenced; next} !fenced' "$1" | sed 's/`[^`]*`//g'; }
# GitHub's anchors of a file's headings: lower case, spaces to '-', ASCII
# punctuation other than '-' and '_' dropped; a repeated heading gets -1, -2, ...
anchors() {
    awk '/^[[:space:]]*(```|~~~)/ {fenced = !fenced; next} !fenced && /^##?#?#?#?#?[ \t]/' "$1" |
        sed -E 's/^#+[[:space:]]+//; s/[[:space:]]+#+[[:space:]]*$//; s/[[:space:]]+$//' |
        tr 'A-Z' 'a-z' |
        sed -e 's/[]!"#$%&'\''()*+,./:;<=>?@[\\^`{|}~]//g' -e 's/ /-/g' |
        awk '{ if (seen[$0]++) print $0 "-" (seen[$0] - 1); else print }'
}
# The targets of inline links [text](target) and reference definitions [x]: target.
link_targets() {
    prose "$1" | grep -oE '\]\([^)[:space:]]+([[:space:]]+"[^"]*")?\)' | sed -E 's/^\]\(([^)[:space:]]+).*/\1/'
    prose "$1" | sed -nE 's/^[[:space:]]*\[[^]]+\]:[[:space:]]+([^[:space:]]+).*/\1/p'
}
documents=(README.md doc/*.md)
broken=""
links=0
for document in "${documents[@]}"; do
    [ -f "$document" ] || continue
    directory=$(dirname "$document")
    while IFS= read -r target; do
        [ -n "$target" ] || continue
        case "$target" in
        http://* | https://* | mailto:* | ftp://*) continue ;;
        esac
        target=${target#<}
        target=${target%>}
        links=$((links + 1))
        path=${target%%#*}
        anchor=
        [[ "$target" == *"#"* ]] && anchor=${target#*#}
        if [ -z "$path" ]; then
            file=$document
        elif [[ "$path" == /* ]]; then
            file=.$path
        else
            file=$directory/$path
        fi
        if [ ! -e "$file" ]; then
            broken+="$document: $target (no file $file)"$'\n'
        elif [ -n "$anchor" ]; then
            if [ -d "$file" ] || [[ "$file" != *.md ]]; then
                broken+="$document: $target (an anchor into something that is not Markdown)"$'\n'
            elif ! anchors "$file" | grep -qxF -- "$(printf '%s' "$anchor" | tr 'A-Z' 'a-z')"; then
                broken+="$document: $target (no heading with anchor #$anchor in $file)"$'\n'
            fi
        fi
    done < <(link_targets "$document")
done
if [ "$links" -eq 0 ]; then
    fail "no relative links found in README.md and doc/*.md"
elif [ -z "$broken" ]; then
    pass "all $links relative links of README.md and doc/*.md resolve, anchors included"
else
    fail "broken relative links in README.md and doc/*.md" "$broken"
fi

# --- (e) the README is a front door ------------------------------------------------------------
readme_lines=$(wc -l <README.md 2>/dev/null || echo missing)
if [ "$readme_lines" != missing ] && [ "$readme_lines" -le "$README_MAX_LINES" ]; then
    pass "README.md has $readme_lines lines (at most $README_MAX_LINES)"
else
    fail "README.md has $readme_lines lines, more than $README_MAX_LINES: move the reference into doc/"
fi

# --- (f) the licence ------------------------------------------------------------------------
licence_missing=""
for phrase in "PostgreSQL License" \
    "Permission to use, copy, modify, and distribute this software and its" \
    "IN NO EVENT SHALL" "SPECIFICALLY DISCLAIM" "ivory"; do
    grep -qF -- "$phrase" LICENSE 2>/dev/null || licence_missing+="$phrase"$'\n'
done
if [ -z "$licence_missing" ]; then
    pass "LICENSE is the PostgreSQL Licence, for ivory"
else
    fail "LICENSE lacks the PostgreSQL Licence's wording or the project's name" "$licence_missing"
fi

# --- the package metadata names the licence and the version of ivory.control -------------------
control_version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" ivory.control)
meta=$(python3 -c 'import json; m = json.load(open("META.json")); print(m["version"], m["license"], m["provides"]["ivory"]["version"])' 2>&1)
if [ "$meta" = "$control_version postgresql $control_version" ]; then
    pass "META.json: version $control_version as ivory.control, licence postgresql"
else
    fail "META.json does not match ivory.control ($control_version) or the licence" "$meta"
fi

summary
