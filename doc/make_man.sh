#!/usr/bin/env bash
# doc/make_man.sh IVORY OUTPUT: the man page ivory.1, made by help2man from the
# command's own --help texts (the top level's, then every command's with its
# example), so that the page and --help cannot drift apart.
set -euo pipefail
ivory=$(realpath "$1")
output=$2
include=$(mktemp)
trap 'rm -f "$include"' EXIT

# Commands listed under "Subcommands:" in a --help text.
subcommands() { "$ivory" "$@" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'; }
# --help text as preformatted roff: backslashes escaped, no line read as a request.
as_roff() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
command_section() { # command words...
    echo ".SS \"ivory $*\""
    echo ".nf"
    "$ivory" "$@" --help | as_roff
    echo ".fi"
}

{
    echo "[COMMANDS]"
    for command in $(subcommands); do
        nested=$(subcommands "$command")
        if [ -z "$nested" ]; then
            command_section "$command"
        else
            for sub in $nested; do command_section "$command" "$sub"; done
        fi
    done
    cat <<'ROFF'
[EXIT STATUS]
0 when everything is fine; 1 when a check or an action failed, or a database
could not be reached; 2 on a usage error.
[ENVIRONMENT]
Each \-\-source\-* and \-\-target\-* option defaults to the environment variable
of the same name in capitals: SOURCE_HOST, SOURCE_PORT, SOURCE_USER,
SOURCE_PASSWORD, SOURCE_DBNAME, TARGET_HOST, TARGET_PORT, TARGET_USER,
TARGET_PASSWORD, TARGET_DBNAME.
[SEE ALSO]
The ivory extension's SQL functions (schema ivory) in the target database;
.BR psql (1),
.BR pg_dump (1).
ROFF
} >"$include"

help2man --no-info --section=1 \
    --name="move a PostgreSQL database with logical replication" \
    --include="$include" --output="$output" "$ivory"
