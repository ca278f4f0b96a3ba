#!/usr/bin/env bash
# CLI integration tests of copyroles: twenty roles of the source cluster with
# memberships (WITH ADMIN OPTION), settings of their own and in a database, a
# comment, a password that then logs in on the target, and a NOLOGIN owner of
# a schema. copyschema fails while the owner is missing and check names it;
# copyroles (twice: the second changes nothing) makes copyschema succeed.
# --dry-run changes nothing, no password hash is shown, a source role that
# may not read passwords is warned of, bad conninfo gets a clear error.
# Against the clusters that run_tests.sh started. Prints "ok"/"not ok" per
# assertion and ends with "integration: N passed, M failed".
set -u
source "$(dirname "$0")/lib_integration.sh"

SOURCE_PASSWORD=right-Secret-42 # ivory_tester's, set by run_tests.sh
APP_PASSWORD=cr-App-Secret-7
READER_PASSWORD=cr-Reader-Secret-9

cr_roles() { # port: the test's roles, one line each, in order
    sql "$1" postgres -c "SELECT rolname FROM pg_roles WHERE rolname LIKE 'cr\_%' ORDER BY 1"
}
target_roles_fingerprint() { # [settings]: of the roles, memberships (and settings)
    target_sql postgres -c "SELECT md5(string_agg(r::text, ',' ORDER BY rolname)) FROM pg_roles r" \
        -c "SELECT md5(coalesce(string_agg(m::text, ',' ORDER BY m::text), '')) FROM pg_auth_members m" \
        -c "SELECT md5(coalesce(string_agg(s::text, ',' ORDER BY s::text), '')) FROM pg_db_role_setting s
            WHERE '${1:-}' = 'settings'"
}
database_settings() { # of cr_app in $db on the target
    target_sql postgres -c "SELECT array_to_string(setconfig, ';') FROM pg_db_role_setting s
        JOIN pg_database d ON d.oid = s.setdatabase WHERE s.setrole = 'cr_app'::regrole AND d.datname = '$db'"
}

db=roles_copy
target_roles_before=$(target_sql postgres -c "SELECT rolname FROM pg_roles ORDER BY 1")
fresh_source $db
source_sql postgres <<SQL
CREATE ROLE cr_owner NOLOGIN;
COMMENT ON ROLE cr_owner IS 'owns the app schema';
CREATE ROLE cr_group NOLOGIN;
CREATE ROLE cr_app LOGIN PASSWORD '$APP_PASSWORD' CONNECTION LIMIT 5 CREATEDB;
GRANT cr_group TO cr_app WITH ADMIN OPTION;
ALTER ROLE cr_app SET statement_timeout = '5min';
ALTER ROLE cr_app SET search_path = app, public;
ALTER ROLE cr_app IN DATABASE $db SET work_mem = '8MB';
ALTER ROLE cr_app IN DATABASE $db SET app.tenant = 'shop';
CREATE ROLE cr_reader LOGIN PASSWORD '$READER_PASSWORD';
CREATE ROLE "cr_Odd Role" NOLOGIN;
GRANT "cr_Odd Role" TO cr_group;
SELECT format('CREATE ROLE cr_member%s IN ROLE cr_group', g) FROM generate_series(1, 15) g \gexec
SQL
source_sql $db \
    -c "CREATE SCHEMA app AUTHORIZATION cr_owner" \
    -c "CREATE TABLE app.items (id int PRIMARY KEY, name text)" \
    -c "ALTER TABLE app.items OWNER TO cr_owner" \
    -c "GRANT SELECT ON app.items TO cr_group" \
    -c 'GRANT USAGE ON SCHEMA app TO "cr_Odd Role"'
expect_count 20 "$(cr_roles "$SOURCE_PORT" | wc -l)" "twenty roles on the source"

# --- before the roles: check names them, copyschema fails ----------------------
target_sql postgres -c "CREATE DATABASE $db TEMPLATE template0"
ivory_on $db check --no-webbrowser
expect_in "missing on the target" "$ERR" "check warns of the missing roles"
expect_in "cr_owner" "$ERR" "check names the schema's owner"
expect_in '"cr_Odd Role"' "$ERR" "check names a grantee, quoted"
expect_in "ivory copyroles creates them" "$ERR" "check says how to fix it"
ivory_on $db copyschema
if [ "$STATUS" -ne 0 ]; then pass "copyschema fails while the schema's owner is missing"; else fail "copyschema succeeded without cr_owner"; fi
expect_in 'role "cr_owner" does not exist' "$ERR" "copyschema's error names the missing role"

# --- a dry run changes nothing ------------------------------------------------------
fingerprint=$(target_roles_fingerprint settings)
ivory_on $db copyroles --dry-run
expect_status 0 "copyroles --dry-run"
expect_in "role cr_owner: create" "$ERR" "the dry run says it would create cr_owner"
expect_in "statements would run" "$ERR" "the dry run's summary"
expect_count "$fingerprint" "$(target_roles_fingerprint settings)" "the dry run changed no role, membership or setting"

# --- the copy ---------------------------------------------------------------------
ivory_on $db copyroles
expect_status 0 "copyroles"
copy_output="$OUT$ERR"
expect_count 20 "$(cr_roles "$TARGET_PORT" | wc -l)" "the twenty roles on the target"
expect_count "$(cr_roles "$SOURCE_PORT")" "$(cr_roles "$TARGET_PORT")" "the same role names"
expect_in "left alone: the source's bootstrap superuser" "$copy_output" "the bootstrap superuser is left alone"
expect_not_in 'SCRAM-SHA-256$' "$copy_output" "no password hash in the output"
expect_not_in "$APP_PASSWORD" "$copy_output" "no password in the output"
expect_in "PASSWORD '********'" "$copy_output" "the password is shown masked"
attributes="SELECT rolcanlogin, rolcreatedb, rolconnlimit, array_to_string(rolconfig, ';') FROM pg_roles WHERE rolname = 'cr_app'"
expect_count "$(source_sql postgres -c "$attributes")" "$(target_sql postgres -c "$attributes")" \
    "cr_app's attributes and settings"
members="SELECT string_agg(format('%s>%s:%s', g.rolname, m.rolname, am.admin_option), ',' ORDER BY g.rolname, m.rolname)
         FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
         WHERE g.rolname LIKE 'cr\_%'"
expect_count "$(source_sql postgres -c "$members")" "$(target_sql postgres -c "$members")" \
    "memberships and their admin option"
expect_in "cr_group>cr_app:t" "$(target_sql postgres -c "$members")" "cr_app may administer cr_group"
expect_count "work_mem=8MB;app.tenant=shop" "$(database_settings)" "the settings in database $db, a custom one too"
expect_count "owns the app schema" "$(target_sql postgres -c "SELECT shobj_description('cr_owner'::regrole, 'pg_authid')")" \
    "the role's comment"
expect_count "cr_app" "$(PGPASSWORD=$APP_PASSWORD psql -X -At -h "$HOST" -p "$TARGET_PORT" -U cr_app -d postgres \
    -c "SELECT current_user" 2>&1)" "cr_app logs in on the target with its password"

# --- the schema now copies (a new database: its role settings are gone) -----------------
ivory_on $db check --no-webbrowser
expect_not_in "missing on the target:" "$ERR" "check no longer reports missing roles"
ivory_on $db copyschema
expect_status 0 "copyschema after copyroles"
expect_count "cr_owner" "$(target_sql $db -c "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'app'")" \
    "the schema's owner on the target"
expect_count "" "$(database_settings)" "the new database has no role settings yet"

# --- twice: no role new, the settings of the new database back -------------------------
fingerprint=$(target_roles_fingerprint)
ivory_on $db copyroles
expect_status 0 "copyroles again"
expect_not_in ": create:" "$ERR" "the second copy creates nothing"
expect_count "$fingerprint" "$(target_roles_fingerprint)" "the second copy leaves the roles as they were"
expect_count "work_mem=8MB;app.tenant=shop" "$(database_settings)" "the second copy sets them in the new database"

# --- a source role that may not read passwords -------------------------------------------
source_sql postgres -c "CREATE ROLE cr_late LOGIN PASSWORD 'cr-Late-Secret-3'"
reader_source="host=$HOST port=$SOURCE_PORT user=cr_reader password=$READER_PASSWORD dbname=$db"
run target_sql $db -c "SELECT role_name || ': ' || action || ': ' || detail FROM ivory.copy_roles('$reader_source', dry_run => true)"
expect_status 0 "copy_roles as a role that may not read passwords"
expect_in "cr_late: warning: left without a password" "$OUT" "the role left without a password is named"
expect_not_in "cr_app: warning" "$OUT" "a role that has its password here is not warned of"

# --- bad input ------------------------------------------------------------------------
run ivory --source-host "$HOST" --source-port 1 --source-user ivory_tester --source-password "$SOURCE_PASSWORD" \
    --source-dbname $db --target-host "$HOST" --target-port "$TARGET_PORT" --target-user postgres \
    --target-dbname $db copyroles
expect_status 1 "copyroles with a source that does not answer"
expect_in "could not copy the roles" "$ERR" "the error says what failed"
expect_not_in "$SOURCE_PASSWORD" "$ERR" "the error shows no password"
run target_sql $db -c "SELECT * FROM ivory.copy_roles('host=$HOST port=$SOURCE_PORT user=nobody password=hunter-Two-2 dbname=$db')"
if [ "$STATUS" -ne 0 ]; then pass "copy_roles with a role that does not exist fails"; else fail "copy_roles as nobody succeeded"; fi
expect_not_in "hunter-Two-2" "$ERR" "its error shows no password"
run target_sql $db -c "SELECT * FROM ivory.copy_roles(NULL)"
expect_in "source" "$ERR" "a NULL source is refused by name"

# --- clean up: the databases, then the roles this script made on both sides -------------
target_sql postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
source_sql postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
while IFS= read -r role; do
    grep -qxF -- "$role" <<<"$target_roles_before" ||
        target_sql postgres -c "DROP ROLE $(printf '"%s"' "${role//\"/\"\"}")"
done < <(target_sql postgres -c "SELECT rolname FROM pg_roles ORDER BY 1")
while IFS= read -r role; do
    [ -n "$role" ] && source_sql postgres -c "DROP ROLE $(printf '"%s"' "${role//\"/\"\"}")"
done < <(cr_roles "$SOURCE_PORT")
expect_count "" "$(cr_roles "$TARGET_PORT")$(cr_roles "$SOURCE_PORT")" "no test role left on either side"

integration_summary
