-- Bad input gets a clear error without any password, and the session lives on.
\getenv source IVORY_SOURCE
\getenv source_port IVORY_SOURCE_PORT

-- Runs a statement and shows its error with port numbers and paths made
-- stable, and whether any of the test passwords leaked into it.
CREATE FUNCTION pg_temp.error_of(statement text,
    OUT state text, OUT message text, OUT detail text, OUT context text,
    OUT password_shown boolean)
LANGUAGE plpgsql AS $$
DECLARE
    everything text;
BEGIN
    EXECUTE statement;
    message := 'no error';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, context = PG_EXCEPTION_CONTEXT;
    -- The context's own lines, without the test's statement that carries them.
    context := regexp_replace(context, E'\\n?SQL statement ".*$', '');
    everything := concat_ws(' ', message, detail, context);
    password_shown := everything ~ '(Hunter2secret|Wrong-Secret-99|right-Secret-42)';
    detail := regexp_replace(detail, 'port \d+', 'port N', 'g');
    context := regexp_replace(context, 'port=\d+', 'port=N', 'g');
END
$$;

-- Not a connection string.
SELECT * FROM pg_temp.error_of(
    $$SELECT * FROM ivory.check('host=localhost this is not valid password=Hunter2secret')$$);
SELECT * FROM pg_temp.error_of(
    $$SELECT * FROM ivory.check('bogus_option=1 password=Hunter2secret')$$);
SELECT * FROM pg_temp.error_of(
    $$SELECT * FROM ivory.check('password=''Hunter2secret unterminated')$$);
-- Nobody listens there.
SELECT * FROM pg_temp.error_of(
    $$SELECT * FROM ivory.check('host=127.0.0.1 port=1 dbname=x user=y password=Hunter2secret')$$);
-- A wrong password, as key=value and as a URI: libpq's message, the password nowhere.
SELECT * FROM pg_temp.error_of(format('SELECT * FROM ivory.check(%L)',
    'host=127.0.0.1 port=' || :'source_port' ||
    ' dbname=ivory_regress user=ivory_tester password=Wrong-Secret-99'));
SELECT * FROM pg_temp.error_of(format('SELECT * FROM ivory.check(%L)',
    'postgresql://ivory_tester:Wrong-Secret-99@127.0.0.1:' || :'source_port' || '/ivory_regress'));
-- copy_roles: the same rules, and a NULL source is named.
SELECT * FROM pg_temp.error_of(
    $$SELECT * FROM ivory.copy_roles('host=127.0.0.1 port=1 dbname=x user=y password=Hunter2secret')$$);
SELECT * FROM pg_temp.error_of(format('SELECT * FROM ivory.copy_roles(%L)',
    'host=127.0.0.1 port=' || :'source_port' ||
    ' dbname=ivory_regress user=ivory_tester password=Wrong-Secret-99'));
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.copy_roles(NULL)$$);
-- A NULL dry_run is no choice: named, nothing done (never read as false).
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.copy_roles('dbname=x', dry_run => NULL)$$);
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.switchover('dbname=x', dry_run => NULL)$$);
-- The way back: an empty connection string, or one without the lock, is
-- refused before the source is reached; NULL names are named.
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.switchover('dbname=x', reverse_conninfo => '')$$);
SELECT * FROM pg_temp.error_of(
    $$SELECT * FROM ivory.switchover('dbname=x', lock_source => false, reverse_conninfo => 'host=x password=Hunter2secret')$$);
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.switchback(NULL)$$);
-- The phases: an unknown one, a rehearsal of a part, counts that are no list.
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.switchover('dbname=x', phase => 'later')$$);
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.switchover('dbname=x', phase => NULL)$$);
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.switchover('dbname=x', phase => 'lock', dry_run => true)$$);
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.switchover('dbname=x', modification_counts => '[]')$$);
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.switchback('dbname=x', subscription_name => NULL)$$);
SELECT * FROM pg_temp.error_of($$SELECT * FROM ivory.reverse_replication_drop('dbname=x', publication_name => NULL)$$);
-- The same session still answers.
SELECT 1 AS alive;
-- The right password works over TCP.
SELECT count(*) >= 8 AS checked FROM ivory.check('host=127.0.0.1 port=' || :'source_port' ||
    ' dbname=ivory_regress user=ivory_tester password=right-Secret-42');

-- A role that is not a superuser cannot run the functions unless granted ...
CREATE ROLE ivory_regress_user LOGIN;
GRANT USAGE ON SCHEMA ivory TO ivory_regress_user;
SET ROLE ivory_regress_user;
SELECT * FROM pg_temp.error_of(format('SELECT * FROM ivory.check(%L)', :'source'));
SELECT * FROM pg_temp.error_of(format('SELECT * FROM ivory.schema_diff(%L)', :'source'));
RESET ROLE;
-- ... and, granted, may not make the server connect without a password.
GRANT EXECUTE ON FUNCTION ivory.check(text) TO ivory_regress_user;
SET ROLE ivory_regress_user;
SELECT * FROM pg_temp.error_of(format('SELECT * FROM ivory.check(%L)', :'source'));
RESET ROLE;
SELECT 1 AS alive;
REVOKE ALL ON FUNCTION ivory.check(text) FROM ivory_regress_user;
REVOKE ALL ON SCHEMA ivory FROM ivory_regress_user;
DROP ROLE ivory_regress_user;

-- Failed connections release their file descriptor and libpq connection: far
-- more failures than the server's external descriptor budget, then a check.
DO $$
BEGIN
    FOR i IN 1..500 LOOP
        BEGIN
            PERFORM * FROM ivory.check('host=127.0.0.1 port=1 password=Hunter2secret');
        EXCEPTION WHEN sqlclient_unable_to_establish_sqlconnection THEN
            NULL;
        END;
    END LOOP;
END
$$;
SELECT count(*) >= 8 AS still_checks FROM ivory.check(:'source');
