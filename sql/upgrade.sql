\getenv source IVORY_SOURCE
-- From the first released version to the current one with
-- ALTER EXTENSION ivory UPDATE, in a database of its own.
CREATE DATABASE ivory_upgrade;
\c ivory_upgrade
CREATE EXTENSION ivory VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'ivory';
SELECT count(*) AS views FROM pg_views WHERE schemaname = 'ivory';
SELECT source, target, path FROM pg_extension_update_paths('ivory')
WHERE source = '0.1.0' AND path IS NOT NULL ORDER BY target;
ALTER EXTENSION ivory UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'ivory')
       AS at_default_version
FROM pg_extension WHERE extname = 'ivory';
-- The new version's view works (no subscription here), its functions too.
SELECT * FROM ivory.replication_overview;
SELECT count(*) > 0 AS has_checks FROM ivory.check(:'source');
-- The updated extension is the one a new database gets.
\c ivory_regress
CREATE DATABASE ivory_fresh;
\c ivory_fresh
CREATE EXTENSION ivory;
SELECT (SELECT string_agg(p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', ', '
                          ORDER BY p.proname)
        FROM pg_proc p WHERE p.pronamespace = 'ivory'::regnamespace) AS functions_fresh \gset
SELECT (SELECT string_agg(viewname, ', ') FROM pg_views WHERE schemaname = 'ivory') AS views_fresh \gset
\c ivory_upgrade
SELECT (SELECT string_agg(p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', ', '
                          ORDER BY p.proname)
        FROM pg_proc p WHERE p.pronamespace = 'ivory'::regnamespace) = :'functions_fresh'
       AS same_functions,
       (SELECT string_agg(viewname, ', ') FROM pg_views WHERE schemaname = 'ivory') = :'views_fresh'
       AS same_views;
\c ivory_regress
DROP DATABASE ivory_upgrade;
DROP DATABASE ivory_fresh;
