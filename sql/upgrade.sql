\getenv source IVORY_SOURCE
-- From each earlier version to the current one with ALTER EXTENSION ivory
-- UPDATE, each in a database of its own; the result equals a fresh install.
CREATE DATABASE ivory_upgrade_010;
CREATE DATABASE ivory_upgrade_020;
CREATE DATABASE ivory_upgrade_030;
CREATE DATABASE ivory_upgrade_040;
CREATE DATABASE ivory_fresh;
\c ivory_upgrade_010
CREATE EXTENSION ivory VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'ivory';
SELECT count(*) AS views FROM pg_views WHERE schemaname = 'ivory';
SELECT source, target, path FROM pg_extension_update_paths('ivory')
WHERE path IS NOT NULL ORDER BY source, target;
ALTER EXTENSION ivory UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'ivory')
       AS at_default_version
FROM pg_extension WHERE extname = 'ivory';
-- The new version's view works (no subscription here), its functions too.
SELECT * FROM ivory.replication_overview;
SELECT count(*) > 0 AS has_checks FROM ivory.check(:'source');
\c ivory_upgrade_020
CREATE EXTENSION ivory VERSION '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'ivory';
ALTER EXTENSION ivory UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'ivory')
       AS at_default_version
FROM pg_extension WHERE extname = 'ivory';
-- replication_status's columns in 0.3.0.
SELECT unnest(proargnames[3:]) AS out_column FROM pg_proc
WHERE oid = 'ivory.replication_status(text, text)'::regprocedure;
\c ivory_upgrade_030
CREATE EXTENSION ivory VERSION '0.3.0';
ALTER EXTENSION ivory UPDATE;
-- 0.4.0: replication_start's wait and jobs, the copy's tables.
SELECT unnest(proargnames) AS start_argument FROM pg_proc
WHERE oid = 'ivory.replication_start(text, boolean, boolean, boolean, boolean, integer, bigint)'::regprocedure;
SELECT count(*) AS copy_tables FROM pg_tables WHERE schemaname = 'ivory' AND tablename LIKE 'copy%';
-- 0.6.0: the recorded DDL commands, replication_create's track_ddl.
SELECT tablename AS ddl_table FROM pg_tables WHERE schemaname = 'ivory' AND tablename LIKE 'ddl%' ORDER BY 1;
SELECT 'track_ddl' = ANY (proargnames) AS create_tracks_ddl FROM pg_proc
WHERE oid = 'ivory.replication_create(text, text, text, text, boolean, boolean, boolean)'::regprocedure;
-- 0.7.0: copy_roles.
SELECT unnest(proargnames) AS copy_roles_argument FROM pg_proc
WHERE oid = 'ivory.copy_roles(text, boolean)'::regprocedure;
\c ivory_upgrade_040
CREATE EXTENSION ivory VERSION '0.4.0';
ALTER EXTENSION ivory UPDATE;
-- 0.5.0: verify_data's jobs and subscription, switchover's choices.
SELECT unnest(proargnames[1:5]) AS verify_argument FROM pg_proc
WHERE oid = 'ivory.verify_data(text, text, bigint, integer, text)'::regprocedure;
SELECT unnest(proargnames[7:9]) AS switchover_argument FROM pg_proc
WHERE oid = 'ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer, boolean, text, text, jsonb)'::regprocedure;
-- 0.8.0: switchover's rehearsal and each step's evidence; 0.9.0: the way back
-- and the phases.
SELECT unnest(proargnames[10:17]) AS switchover_argument_080 FROM pg_proc
WHERE oid = 'ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer, boolean, text, text, jsonb)'::regprocedure;
SELECT oid::regprocedure AS way_back_function FROM pg_proc
WHERE proname IN ('switchback', 'reverse_replication_drop') AND pronamespace = 'ivory'::regnamespace ORDER BY 1::text;
-- The updated extension is the one a new database gets: every function's
-- whole definition, every view's, their comments and privileges, hashed.
\set ivory_definition 'SELECT md5(string_agg(d, chr(10) ORDER BY d)) FROM (SELECT pg_get_functiondef(p.oid) || coalesce(obj_description(p.oid, $$pg_proc$$), $$$$) || coalesce(p.proacl::text, $$$$) AS d FROM pg_proc p WHERE p.pronamespace = $$ivory$$::regnamespace UNION ALL SELECT c.relname || coalesce(pg_get_viewdef(c.oid), $$$$) || coalesce(obj_description(c.oid, $$pg_class$$), $$$$) || coalesce(c.relacl::text, $$$$) FROM pg_class c WHERE c.relnamespace = $$ivory$$::regnamespace) s'
\c ivory_fresh
CREATE EXTENSION ivory;
SELECT (:ivory_definition) AS fresh \gset
SELECT count(*) AS functions FROM pg_proc WHERE pronamespace = 'ivory'::regnamespace;
\c ivory_upgrade_010
SELECT (:ivory_definition) = :'fresh' AS from_010_equals_fresh;
\c ivory_upgrade_020
SELECT (:ivory_definition) = :'fresh' AS from_020_equals_fresh;
\c ivory_upgrade_030
SELECT (:ivory_definition) = :'fresh' AS from_030_equals_fresh;
\c ivory_upgrade_040
SELECT (:ivory_definition) = :'fresh' AS from_040_equals_fresh;
\c ivory_regress
DROP DATABASE ivory_upgrade_010;
DROP DATABASE ivory_upgrade_020;
DROP DATABASE ivory_upgrade_030;
DROP DATABASE ivory_upgrade_040;
DROP DATABASE ivory_fresh;
