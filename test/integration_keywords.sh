#!/usr/bin/env bash
# Names that are keywords of SQL or of the replication protocol, and literals
# with backslashes under standard_conforming_strings = off: every statement
# ivory builds quotes them by the server's own rules. Against the clusters
# that run_tests.sh started; ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh
db=keyword_names
names=(--publication-name window --subscription-name slot)

fresh_source $db
# standard_conforming_strings = off on both sides: a backslash in a literal
# is an escape there unless the literal is an E'' string.
source_sql postgres -c "ALTER DATABASE $db SET standard_conforming_strings = off"
source_sql $db >/dev/null <<'SQL'
CREATE TABLE "offset" (id int PRIMARY KEY, "left" text, "window" int, wait date, slot numeric);
INSERT INTO "offset" SELECT g, 'l' || g, g, DATE '2024-01-01' + g, g / 7.0 FROM generate_series(1, 300) g;
CREATE TABLE "back\slash 'q'" (id int PRIMARY KEY, "offset" text);
INSERT INTO "back\slash 'q'" VALUES (1, E'a\\b'), (2, 'c');
SQL
ivory_on $db copyschema
expect_status 0 "copyschema of tables and columns named offset, left, window, wait, slot"
target_sql postgres -c "ALTER DATABASE $db SET standard_conforming_strings = off"

ivory_on $db replication create "${names[@]}"
expect_status 0 "replication create with publication 'window' and subscription 'slot'"
expect_count 1 "$(source_sql postgres -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot'")" \
    "the slot named slot exists on the source"
ivory_on $db replication start --subscription-name slot
expect_status 0 "replication start: the initial copy of column offset and the slot named slot"
expect_status_ok_within 60 $db "keywords" --subscription-name slot
run source_sql $db <<'SQL'
INSERT INTO "offset" VALUES (1000, 'streamed', 1, NULL, 0.5);
UPDATE "back\slash 'q'" SET "offset" = E'd\\e' WHERE id = 2;
SQL
expect_status 0 "writes on the source to stream"
expect_tables_match_within 60 $db "keywords: copied and streamed"

ivory_on $db verify --publication-name window
expect_status 0 "verify of the tables named offset and back\\slash 'q'"
expect_in "2 tables match" "$ERR" "verify compares both tables"
ivory_on $db syncsequences
expect_status 0 "syncsequences"
ivory_on $db replication stop --subscription-name slot
expect_status 0 "replication stop of the subscription named slot"
ivory_on $db replication drop "${names[@]}"
expect_status 0 "replication drop of publication 'window' and subscription 'slot'"
ivory_objects_left $db "keywords"

integration_summary
