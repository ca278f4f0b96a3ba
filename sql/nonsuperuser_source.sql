-- A source role that is not a superuser (a managed service's): LOGIN with a
-- password, REPLICATION, CREATE on the database, owner of its tables. What
-- ivory.check says it could not read, the replication as that role itself,
-- and the errors that name what more privilege would be needed.
\getenv source IVORY_SOURCE
\getenv source_host IVORY_SOURCE_HOST
\getenv source_port IVORY_SOURCE_PORT
\getenv target_host IVORY_TARGET_HOST
\getenv target_port IVORY_TARGET_PORT
\set target_db :DBNAME
\set on_source '\\connect ivory_regress postgres :source_host :source_port'
\set on_target '\\connect :target_db postgres :target_host :target_port'
\set app_source 'host=' :source_host ' port=' :source_port ' dbname=ivory_regress user=ivory_regress_app password=App-Secret-31'
\set source_objects 'SELECT (SELECT count(*) FROM pg_replication_slots) AS slots, (SELECT count(*) FROM pg_publication) AS publications, (SELECT count(*) FROM pg_roles WHERE rolname = $$ivory_replicator$$) AS ivory_roles;'

:on_source
CREATE ROLE ivory_regress_app LOGIN REPLICATION PASSWORD 'App-Secret-31';
GRANT CREATE ON DATABASE ivory_regress TO ivory_regress_app;
SET ROLE ivory_regress_app;
CREATE SCHEMA shop;
CREATE TABLE shop.items (id serial PRIMARY KEY, name text);
CREATE TABLE shop.notes (id int PRIMARY KEY, body text);
INSERT INTO shop.items (name) SELECT 'item ' || g FROM generate_series(1, 30) g;
INSERT INTO shop.notes SELECT g, 'note ' || g FROM generate_series(1, 10) g;
RESET ROLE;
:on_target
CREATE SCHEMA shop;
CREATE TABLE shop.items (id serial PRIMARY KEY, name text);
CREATE TABLE shop.notes (id int PRIMARY KEY, body text);

-- A superuser's source: ivory makes its own role.
SELECT checker, ok, detail FROM ivory.check(:'source') WHERE checker = 'replication_role';
-- This role's: it replicates as itself; pg_hba_file_rules is a warning, not
-- a failure.
SELECT checker, severity, ok, detail FROM ivory.check(:'app_source')
WHERE checker IN ('replication_role', 'pg_hba') ORDER BY checker;
SELECT count(*) FILTER (WHERE severity = 'error' AND NOT ok) AS errors
FROM ivory.check(:'app_source');

-- Create: no role made, a publication of the role's tables one by one.
SELECT * FROM ivory.replication_create(:'app_source');
SELECT * FROM ivory.replication_create(:'app_source');
SELECT subconninfo ~ 'user=''?ivory_regress_app' AS as_the_source_role FROM pg_subscription;
:on_source
:source_objects
SELECT puballtables, (SELECT string_agg(format('%I.%I', schemaname, tablename), ', ' ORDER BY 1)
                      FROM pg_publication_tables t WHERE t.pubname = p.pubname) AS tables
FROM pg_publication p;
:on_target

-- The initial copy, the sequences and the comparison, all as that role.
SELECT ivory.replication_start(wait => true, jobs => 1);
SELECT count(*) AS items FROM shop.items;
SELECT * FROM ivory.sync_sequences(:'app_source', equal => true);
SELECT * FROM ivory.verify_data(:'app_source');

-- The lock needs the database's owner: switchover refuses before it waits;
-- unlock has nothing to reset.
SELECT * FROM ivory.switchover(:'app_source', timeout_seconds => 60);
SELECT ivory.unlock_source(:'app_source');

-- A sequence and a table of another owner.
:on_source
CREATE SEQUENCE shop.counter;
CREATE TABLE shop.legacy (id int PRIMARY KEY);
:on_target
CREATE SEQUENCE shop.counter;
CREATE TABLE shop.legacy (id int PRIMARY KEY);
SELECT * FROM ivory.sync_sequences(:'app_source');
SELECT checker, ok, detail FROM ivory.check(:'app_source') WHERE checker = 'replication_role';
:on_source
GRANT SELECT ON shop.legacy TO ivory_regress_app;
:on_target
SELECT * FROM ivory.replication_create(:'app_source');

-- Drop: nothing of ivory remains on the source.
SELECT * FROM ivory.replication_drop(:'app_source');
:on_source
:source_objects

-- Leave both sides empty.
DROP SCHEMA shop CASCADE;
DROP OWNED BY ivory_regress_app;
DROP ROLE ivory_regress_app;
:on_target
DROP SCHEMA shop CASCADE;
