-- ivory.copy_schema: the source's schema applied in the caller's transaction.
\getenv source IVORY_SOURCE
\getenv source_host IVORY_SOURCE_HOST
\getenv source_port IVORY_SOURCE_PORT
\getenv target_host IVORY_TARGET_HOST
\getenv target_port IVORY_TARGET_PORT
\set target_db :DBNAME

\connect ivory_regress postgres :source_host :source_port
CREATE EXTENSION pg_trgm;
CREATE SCHEMA "Shop ""Main""";
CREATE TYPE "Shop ""Main""".state AS ENUM ('new', 'paid');
CREATE TABLE "Shop ""Main""".customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                        "full name" text NOT NULL);
CREATE TABLE "Shop ""Main""".orders (id serial PRIMARY KEY,
                                     customer bigint REFERENCES "Shop ""Main""".customers,
                                     state "Shop ""Main""".state DEFAULT 'new',
                                     total numeric(12,2) CHECK (total >= 0));
CREATE INDEX orders_trgm ON "Shop ""Main""".orders USING gin ((state::text) gin_trgm_ops);
COMMENT ON TABLE "Shop ""Main""".orders IS 'it''s; not -- a comment';
CREATE FUNCTION "Shop ""Main""".touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
SET LOCAL work_mem = '1MB';  -- a line of a body that looks like a setting
RETURN NEW;
END $$;
CREATE TRIGGER touch BEFORE UPDATE ON "Shop ""Main""".orders
    FOR EACH ROW EXECUTE FUNCTION "Shop ""Main""".touch();
INSERT INTO "Shop ""Main""".customers ("full name") VALUES ('Ann');
CREATE TABLE public.archive (id int PRIMARY KEY);
\connect :target_db postgres :target_host :target_port

-- A conflicting object: the error names it and nothing of the source remains.
CREATE TABLE public.archive (id int);
SELECT set_config('ivory_regress.source', :'source', false) IS NOT NULL AS source_set;
DO $$
DECLARE
    message text;
    context text;
BEGIN
    PERFORM * FROM ivory.copy_schema(current_setting('ivory_regress.source'));
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, context = PG_EXCEPTION_CONTEXT;
    RAISE NOTICE 'error: %', message;
    RAISE NOTICE 'names: %', substring(context from 'while creating [^\n]*');
END
$$;
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname = 'Shop "Main"';
SELECT count(*) AS extensions_left FROM pg_extension WHERE extname = 'pg_trgm';
SELECT count(*) AS tables_left FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'ivory');
DROP TABLE public.archive;

-- The copy: a summary per kind of object, the session's settings untouched.
SET check_function_bodies = on;
SELECT * FROM ivory.copy_schema(:'source');
SHOW search_path;
SHOW check_function_bodies;
SHOW client_min_messages;
SELECT count(*) AS rows_copied FROM "Shop ""Main""".customers;
SELECT checker, ok, detail FROM ivory.check(:'source') WHERE checker IN ('schema', 'extensions');

-- All or nothing inside the caller's transaction.
BEGIN;
DROP SCHEMA "Shop ""Main""" CASCADE;
DROP TABLE public.archive;
DROP EXTENSION pg_trgm;
SELECT sum(created) > 10 AS copied_again FROM ivory.copy_schema(:'source');
ROLLBACK;
SELECT count(*) AS differences FROM ivory.schema_diff(:'source');

-- Leave both sides empty for the next test.
DROP SCHEMA "Shop ""Main""" CASCADE;
DROP TABLE public.archive;
DROP EXTENSION pg_trgm;
\connect ivory_regress postgres :source_host :source_port
DROP SCHEMA "Shop ""Main""" CASCADE;
DROP TABLE public.archive;
DROP EXTENSION pg_trgm;
