-- ivory.check and ivory.schema_diff against the source database ivory_regress.
\getenv source IVORY_SOURCE
\getenv source_host IVORY_SOURCE_HOST
\getenv source_port IVORY_SOURCE_PORT
\getenv target_host IVORY_TARGET_HOST
\getenv target_port IVORY_TARGET_PORT
\set target_db :DBNAME

-- Empty source and target: every check runs, none fails with severity error.
SELECT checker, severity, ok FROM ivory.check(:'source');
SELECT count(*) >= 8 AS at_least_eight,
       count(*) FILTER (WHERE severity = 'error' AND NOT ok) AS errors
FROM ivory.check(:'source');
SELECT detail FROM ivory.check(:'source') WHERE checker = 'pg_hba';

-- Drift on the source: a table only there, a table without a primary key,
-- a column int on one side and bigint on the other, a missing index and a
-- different default. Names with quotes, spaces, capitals and unicode.
\connect ivory_regress postgres :source_host :source_port
CREATE TABLE only_on_source (id int PRIMARY KEY);
CREATE TABLE no_key (a int, b text);
CREATE TABLE orders (id int PRIMARY KEY, total int, status text DEFAULT 'new');
CREATE INDEX orders_status_idx ON orders (status);
CREATE SCHEMA "Sales ""EU""";
CREATE TABLE "Sales ""EU"""."Kunden Ä" (id int PRIMARY KEY, "Straße" text);
\connect :target_db postgres :target_host :target_port
CREATE TABLE no_key (a int, b text);
CREATE TABLE orders (id int PRIMARY KEY, total bigint, status text DEFAULT 'open');
CREATE SCHEMA "Sales ""EU""";
CREATE TABLE "Sales ""EU"""."Kunden Ä" (id int PRIMARY KEY, "Straße" varchar(20));

SELECT checker, ok, detail FROM ivory.check(:'source')
WHERE checker IN ('primary_keys', 'schema') ORDER BY checker;
SELECT object_type, object_name, attribute, source_value, target_value
FROM ivory.schema_diff(:'source');

-- Equal again: the schema and primary key checks pass.
\connect ivory_regress postgres :source_host :source_port
DROP TABLE only_on_source;
ALTER TABLE no_key ADD PRIMARY KEY (a);
ALTER TABLE orders ALTER COLUMN total TYPE bigint, ALTER COLUMN status SET DEFAULT 'open';
ALTER TABLE "Sales ""EU"""."Kunden Ä" ALTER COLUMN "Straße" TYPE varchar(20);
\connect :target_db postgres :target_host :target_port
ALTER TABLE no_key ADD PRIMARY KEY (a);
CREATE INDEX orders_status_idx ON orders (status);
SELECT checker, ok, detail FROM ivory.check(:'source')
WHERE checker IN ('primary_keys', 'schema') ORDER BY checker;
SELECT count(*) AS differences FROM ivory.schema_diff(:'source');

-- More kinds of objects, equal on both sides, then one drifting attribute each.
\connect ivory_regress postgres :source_host :source_port
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE SEQUENCE counter START 10;
CREATE VIEW big_orders AS SELECT id FROM orders WHERE total > 100;
CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0);
\connect :target_db postgres :target_host :target_port
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE SEQUENCE counter START 1;
CREATE VIEW big_orders AS SELECT id FROM orders WHERE total > 1000;
CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 2';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0);
SELECT object_type, object_name, attribute, difference FROM ivory.schema_diff(:'source');

-- Publications and subscriptions are not schema differences.
\connect ivory_regress postgres :source_host :source_port
CREATE PUBLICATION ivory_regress_pub FOR ALL TABLES;
\connect :target_db postgres :target_host :target_port
SELECT count(*) AS still_six_differences FROM ivory.schema_diff(:'source');
\connect ivory_regress postgres :source_host :source_port
DROP PUBLICATION ivory_regress_pub;
\connect :target_db postgres :target_host :target_port

-- Database options: connection limit and owner, with both values.
CREATE ROLE ivory_regress_owner;
ALTER DATABASE :"target_db" CONNECTION LIMIT 7;
ALTER DATABASE :"target_db" OWNER TO ivory_regress_owner;
SELECT checker, ok, detail FROM ivory.check(:'source') WHERE checker = 'database_options';
ALTER DATABASE :"target_db" CONNECTION LIMIT -1;
ALTER DATABASE :"target_db" OWNER TO postgres;
DROP ROLE ivory_regress_owner;
SELECT checker, ok FROM ivory.check(:'source') WHERE checker = 'database_options';

-- What logical replication does not carry: warnings, not errors.
\connect ivory_regress postgres :source_host :source_port
CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY);
SELECT lo_create(4242) > 0 AS large_object_created;
\connect :target_db postgres :target_host :target_port
SELECT checker, severity, ok, detail FROM ivory.check(:'source')
WHERE checker IN ('sequences', 'large_objects', 'unlogged_tables') ORDER BY checker;

-- Leave both sides empty for the next test.
DROP SCHEMA public CASCADE;
CREATE SCHEMA public;
DROP SCHEMA "Sales ""EU""" CASCADE;
\connect ivory_regress postgres :source_host :source_port
DROP SCHEMA public CASCADE;
CREATE SCHEMA public;
DROP SCHEMA "Sales ""EU""" CASCADE;
DROP TYPE IF EXISTS mood;
SELECT lo_unlink(4242);
