-- ivory 0.1.0: readiness checks of a logical replication from a source database
-- into this one. Every function runs with a fixed search_path so that catalog
-- output (view definitions, type names) reads the same on both sides.
\echo Use "CREATE EXTENSION ivory" to load this file. \quit

-- CREATE EXTENSION reuses a schema ivory that exists already (ivory.control
-- names it), and a role with CREATE on the database can make one first, with
-- objects of its own inside that ivory's functions would then meet. Refuse
-- such a schema: it must be the installing superuser's (or another
-- superuser's, as when a dump is restored), and nobody else may create in it.
DO $ivory$
DECLARE
    owner_name pg_catalog.name;
    owner_is_superuser boolean;
    creators pg_catalog.text;
BEGIN
    SELECT r.rolname, r.rolsuper INTO owner_name, owner_is_superuser
    FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
    WHERE n.nspname OPERATOR(pg_catalog.=) 'ivory';
    IF owner_name IS NULL THEN
        RETURN;
    END IF;
    IF owner_name OPERATOR(pg_catalog.<>) CURRENT_USER AND NOT owner_is_superuser THEN
        RAISE EXCEPTION 'schema "ivory" exists already and is owned by %, not by a superuser',
            owner_name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Whoever owns the schema could replace what ivory''s functions rely on.',
                  HINT = 'Drop or rename that schema (after looking at what it holds), then run '
                         || 'CREATE EXTENSION ivory again.';
    END IF;
    SELECT pg_catalog.string_agg(CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid THEN 'PUBLIC'
                                      ELSE pg_catalog.quote_ident(g.rolname) END, ', ')
    INTO creators
    FROM pg_catalog.pg_namespace n
         CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
         LEFT JOIN pg_catalog.pg_roles g ON g.oid OPERATOR(pg_catalog.=) a.grantee
    WHERE n.nspname OPERATOR(pg_catalog.=) 'ivory' AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
      AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner AND NOT coalesce(g.rolsuper, false);
    IF creators IS NOT NULL THEN
        RAISE EXCEPTION 'schema "ivory" exists already and other roles may create objects in it: %',
            creators
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Revoke CREATE on schema ivory from them (and look at what they made '
                         || 'there), or drop the schema, then run CREATE EXTENSION ivory again.';
    END IF;
END
$ivory$;

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

-- The replication lifecycle. Not STRICT: optional arguments may be NULL.

CREATE FUNCTION ivory.replication_create(
    source text,
    publication_name text DEFAULT 'ivory_publication',
    subscription_name text DEFAULT 'ivory_subscription',
    replication_password text DEFAULT NULL,
    skip_checks boolean DEFAULT false,
    drop_replication_user boolean DEFAULT false,
    OUT object_type text,
    OUT object_name text,
    OUT action text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_replication_create'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_create(text, text, text, text, boolean, boolean) IS
'Checks readiness (unless skipped), then creates or validates the replication role, the publication and the slot on the source and a disabled subscription here with every published table registered';

CREATE FUNCTION ivory.replication_start(
    subscription_name text DEFAULT 'ivory_subscription',
    refresh boolean DEFAULT true,
    fail_on_already_started boolean DEFAULT false,
    native_copy boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'ivory_replication_start'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_start(text, boolean, boolean, boolean) IS
'Enables the subscription; the first start copies every table in the snapshot of the slot, indexes built after the data (unless native_copy: PostgreSQL''s table-sync workers copy them); with refresh, registers the tables added to the publication since';

CREATE FUNCTION ivory.replication_stop(
    subscription_name text DEFAULT 'ivory_subscription',
    fail_on_already_stopped boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'ivory_replication_stop'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_stop(text, boolean) IS 'Disables the subscription';

CREATE FUNCTION ivory.replication_status(
    subscription_name text DEFAULT 'ivory_subscription',
    source text DEFAULT NULL,
    OUT item text,
    OUT name text,
    OUT state text,
    OUT severity text,
    OUT detail text,
    OUT bytes_copied bigint,
    OUT bytes_total bigint,
    OUT percent numeric)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_replication_status'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_status(text, text) IS
'The subscription, its apply worker, the slots and lag on the source, and each table''s state and copy progress';

CREATE FUNCTION ivory.replication_drop(
    source text,
    publication_name text DEFAULT 'ivory_publication',
    subscription_name text DEFAULT 'ivory_subscription',
    drop_user boolean DEFAULT true,
    OUT object_type text,
    OUT object_name text,
    OUT action text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_replication_drop'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_drop(text, text, text, boolean) IS
'Removes the subscription, its slots (main and table-sync), its replication origins, the publication and (unless drop_user is false) the replication role';

REVOKE ALL ON FUNCTION ivory.replication_create(text, text, text, text, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION ivory.replication_start(text, boolean, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION ivory.replication_stop(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION ivory.replication_status(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ivory.replication_drop(text, text, text, boolean) FROM PUBLIC;

-- The cut-over.

CREATE FUNCTION ivory.sync_sequences(
    source text,
    fixed_offset bigint DEFAULT 100,
    sequence_offsets text[] DEFAULT '{}',
    sample_pause double precision DEFAULT 1,
    equal boolean DEFAULT false,
    dry_run boolean DEFAULT false,
    OUT sequence_name text,
    OUT source_value bigint,
    OUT target_value bigint,
    OUT action text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_sync_sequences'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.sync_sequences(text, bigint, text[], double precision, boolean, boolean) IS
'Sets every sequence here ahead of (or, with equal, equal to) its value on the source';

CREATE FUNCTION ivory.verify_data(
    source text,
    publication_name text DEFAULT 'ivory_publication',
    range_rows bigint DEFAULT 100000,
    OUT table_name text,
    OUT source_rows bigint,
    OUT target_rows bigint,
    OUT matches boolean,
    OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_verify_data'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.verify_data(text, text, bigint) IS
'Compares every published table''s row count and order-independent row hash on both sides, in key ranges';

CREATE FUNCTION ivory.switchover(
    source text,
    max_lag bigint DEFAULT 8388608,
    timeout_seconds double precision DEFAULT 300,
    lock_source boolean DEFAULT true,
    publication_name text DEFAULT 'ivory_publication',
    subscription_name text DEFAULT 'ivory_subscription',
    OUT step text,
    OUT seconds double precision,
    OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_switchover'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text) IS
'Waits for sync, makes the source read-only, waits for its final position, syncs sequences, verifies the data and drops the replication';

CREATE FUNCTION ivory.unlock_source(source text)
RETURNS text
AS 'MODULE_PATHNAME', 'ivory_unlock_source'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.unlock_source(text) IS
'Makes the source database writable again after a switchover';

REVOKE ALL ON FUNCTION ivory.sync_sequences(text, bigint, text[], double precision, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION ivory.verify_data(text, text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ivory.unlock_source(text) FROM PUBLIC;

-- Credentials out of query text: wherever a function takes `source`, it also
-- takes the name of a foreign server of this wrapper, whose options and the
-- caller's user mapping give the connection.
CREATE FUNCTION ivory.fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME', 'ivory_fdw_validator'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER ivory_fdw VALIDATOR ivory.fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER ivory_fdw IS
'Source databases for ivory: libpq options on the server, user and password on the user mapping';
