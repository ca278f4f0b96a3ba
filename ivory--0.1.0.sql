-- ivory 0.1.0: readiness checks of a logical replication from a source database
-- into this one. Every function runs with a fixed search_path so that catalog
-- output (view definitions, type names) reads the same on both sides.
\echo Use "CREATE EXTENSION ivory" to load this file. \quit

CREATE FUNCTION ivory.version()
RETURNS text
AS 'MODULE_PATHNAME', 'ivory_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION ivory.version() IS 'The version of the ivory extension''s library';

CREATE FUNCTION ivory.check(
    source text,
    OUT checker text,
    OUT description text,
    OUT severity text,
    OUT ok boolean,
    OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_check'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.check(text) IS
'Readiness of the source (a libpq connection string) and this database for logical replication: one row per check';

CREATE FUNCTION ivory.schema_diff(
    source text,
    OUT object_type text,
    OUT object_name text,
    OUT attribute text,
    OUT source_value text,
    OUT target_value text,
    OUT difference text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_schema_diff'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.schema_diff(text) IS
'Schema differences between the source (a libpq connection string) and this database, one row per object or attribute';

-- Reaching another server is a superuser's decision unless granted.
REVOKE ALL ON FUNCTION ivory.check(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ivory.schema_diff(text) FROM PUBLIC;

CREATE FUNCTION ivory.copy_schema(
    source text,
    OUT object_type text,
    OUT created integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_copy_schema'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION ivory.copy_schema(text) IS
'Applies the schema of the source (a libpq connection string), from its pg_dump --schema-only, to this database in the current transaction; one row per kind of object created';

REVOKE ALL ON FUNCTION ivory.copy_schema(text) FROM PUBLIC;
