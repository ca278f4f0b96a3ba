#include "ddl_tracking.hpp"

#include "quote.hpp"
#include "replication_naming.hpp"

namespace ivory {

namespace {

// The recording function runs as its owner (a superuser) so that any role's
// DDL can be recorded, with search_path pinned for its own statements; the
// caller's search_path is read first, since the command ran with it. An
// event trigger function cannot be called directly, so nobody can record a
// command that did not run. Left out: ivory's own objects, temporary ones,
// objects made by an extension's script (CREATE EXTENSION itself is
// recorded), publications and subscriptions, and a session that turned
// recording off (SET ivory_ddl.record = off).
const char *const record_function = R"SQL(
CREATE OR REPLACE FUNCTION ivory.record_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER AS $ivory$
DECLARE
    caller_path pg_catalog.text := pg_catalog.current_setting('search_path');
    touched pg_catalog.text;
    recorded pg_catalog.bool;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    IF COALESCE(current_setting('ivory_ddl.record', true), '') = 'off'
       OR tg_tag IN ('CREATE PUBLICATION', 'ALTER PUBLICATION', 'DROP PUBLICATION',
                     'CREATE SUBSCRIPTION', 'ALTER SUBSCRIPTION', 'DROP SUBSCRIPTION') THEN
        PERFORM set_config('search_path', caller_path, true);
        RETURN;
    END IF;
    IF tg_event = 'ddl_command_start' THEN
        -- CREATE TABLE AS: recorded before its rows, which come in the
        -- stream (the target runs it, then empties the table for them).
        touched := '';
        recorded := true;
    ELSIF tg_tag IN ('CREATE TABLE AS', 'SELECT INTO') THEN
        recorded := false;
    ELSIF tg_tag LIKE 'DROP %' THEN
        touched := NULLIF(current_setting('ivory_ddl.dropped', true), '');
        PERFORM set_config('ivory_ddl.dropped', '', true);
        recorded := touched IS NOT NULL;
    ELSE
        SELECT string_agg(object_type || COALESCE(' ' || object_identity, ''), ', '),
               bool_or(schema_name IS DISTINCT FROM 'ivory'
                       AND COALESCE(schema_name, '') NOT LIKE 'pg\_temp%'
                       AND NOT (object_type = 'schema' AND object_identity = 'ivory'))
          INTO touched, recorded
          FROM pg_event_trigger_ddl_commands() WHERE NOT in_extension;
    END IF;
    IF COALESCE(recorded, false) THEN
        BEGIN
            INSERT INTO ivory.ddl_commands (recorded_at, role_name, search_path, command_tag,
                                            statement_at, backend_pid, ordinal, objects, command)
            SELECT clock_timestamp(), current_user, caller_path, tg_tag, statement_timestamp(),
                   pg_backend_pid(),
                   (SELECT count(*) FROM ivory.ddl_commands c
                     WHERE c.backend_pid = pg_backend_pid()
                       AND c.statement_at = statement_timestamp()),
                   COALESCE(touched, ''), current_query();
        EXCEPTION WHEN OTHERS THEN
            -- The application's DDL goes on; the schemas then differ, and
            -- ivory's status says so.
            RAISE WARNING 'ivory could not record this % for the target: %', tg_tag, SQLERRM;
        END;
    END IF;
    PERFORM set_config('search_path', caller_path, true);
END
$ivory$)SQL";

// sql_drop comes before ddl_command_end and is the only one to see what a
// DROP removed: noted here for the record of the same command.
const char *const dropped_function = R"SQL(
CREATE OR REPLACE FUNCTION ivory.note_dropped_objects() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ivory$
BEGIN
    PERFORM set_config('ivory_ddl.dropped',
        COALESCE((SELECT string_agg(object_type || ' ' || object_identity, ', ')
                    FROM pg_event_trigger_dropped_objects()
                   WHERE original AND NOT is_temporary
                     AND schema_name IS DISTINCT FROM 'ivory'), ''), true);
END
$ivory$)SQL";

} // namespace

std::vector<std::string> ddl_tracking_install(const std::string &role, const std::string &comment) {
    const std::string grantee = sql_identifier(role);
    return {
        "CREATE SCHEMA IF NOT EXISTS ivory",
        "COMMENT ON SCHEMA ivory IS " + quote_literal(comment),
        "REVOKE ALL ON SCHEMA ivory FROM PUBLIC",
        // Published (FOR ALL TABLES) to the target's table of the same name.
        "CREATE TABLE IF NOT EXISTS ivory.ddl_commands ("
        "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "recorded_at timestamptz NOT NULL, role_name text NOT NULL, search_path text NOT NULL, "
        "command_tag text NOT NULL, statement_at timestamptz NOT NULL, "
        "backend_pid integer NOT NULL, ordinal integer NOT NULL, objects text NOT NULL, "
        "command text NOT NULL)",
        // Unlogged, so never published: written by the target's apply worker
        // when a command fails there, read by status and replication_ddl.
        "CREATE UNLOGGED TABLE IF NOT EXISTS ivory.ddl_failures ("
        "subscription text NOT NULL, id bigint NOT NULL, failed_at timestamptz NOT NULL, "
        "error text NOT NULL, attempts integer NOT NULL DEFAULT 1, PRIMARY KEY (subscription, id))",
        "REVOKE ALL ON ivory.ddl_commands, ivory.ddl_failures FROM PUBLIC",
        "GRANT USAGE ON SCHEMA ivory TO " + grantee,
        "GRANT SELECT ON ivory.ddl_commands TO " + grantee,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ivory.ddl_failures TO " + grantee,
        record_function,
        dropped_function,
        "REVOKE ALL ON FUNCTION ivory.record_ddl(), ivory.note_dropped_objects() FROM PUBLIC",
        "DO $ivory$ BEGIN "
        "IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = "
        "'ivory_note_dropped') THEN CREATE EVENT TRIGGER ivory_note_dropped ON sql_drop "
        "EXECUTE FUNCTION ivory.note_dropped_objects(); END IF; "
        "IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = "
        "'ivory_record_ddl') THEN CREATE EVENT TRIGGER ivory_record_ddl ON ddl_command_end "
        "EXECUTE FUNCTION ivory.record_ddl(); END IF; "
        "IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = "
        "'ivory_record_ddl_start') THEN CREATE EVENT TRIGGER ivory_record_ddl_start ON "
        "ddl_command_start WHEN TAG IN ('CREATE TABLE AS', 'SELECT INTO') "
        "EXECUTE FUNCTION ivory.record_ddl(); END IF; END $ivory$",
    };
}

std::vector<std::string> ddl_tracking_removal() {
    return {
        "DROP EVENT TRIGGER IF EXISTS ivory_record_ddl",
        "DROP EVENT TRIGGER IF EXISTS ivory_record_ddl_start",
        "DROP EVENT TRIGGER IF EXISTS ivory_note_dropped",
        "DROP SCHEMA IF EXISTS ivory CASCADE",
    };
}

std::string ddl_tracking_installed_query() {
    return "SELECT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = "
           "'ivory_record_ddl')::pg_catalog.text";
}

std::string ddl_failure_upsert(long long id, const std::string &subscription,
                               const std::string &error) {
    return "INSERT INTO ivory.ddl_failures (subscription, id, failed_at, error) VALUES (" +
           quote_literal(subscription) + ", " + std::to_string(id) +
           ", pg_catalog.now(), " + quote_literal(error) +
           ") ON CONFLICT (subscription, id) DO UPDATE SET failed_at = excluded.failed_at, "
           "error = excluded.error, attempts = ivory.ddl_failures.attempts + 1";
}

std::string ddl_failure_removal(long long id, const std::string &subscription) {
    return "DELETE FROM ivory.ddl_failures WHERE subscription = " + quote_literal(subscription) +
           " AND id = " + std::to_string(id);
}

std::string recorded_ddl_query(const std::string &subscription) {
    return "SELECT c.id::pg_catalog.text, c.recorded_at::pg_catalog.text, c.role_name, "
           "c.search_path, c.command_tag, c.objects, c.command, f.error, "
           "f.attempts::pg_catalog.text FROM ivory.ddl_commands c "
           "LEFT JOIN ivory.ddl_failures f ON f.id = c.id AND f.subscription = " +
           quote_literal(subscription) + " ORDER BY c.id";
}

} // namespace ivory
