-- ivory 0.6.0 to 0.7.0: the source cluster's roles, large objects. ALTER EXTENSION ivory
-- UPDATE runs this; CREATE EXTENSION ivory runs ivory--0.1.0.sql, then each
-- update in turn.
\echo Use "ALTER EXTENSION ivory UPDATE" to load this file. \quit

CREATE FUNCTION ivory.copy_roles(
    source text,
    dry_run boolean DEFAULT false,
    OUT role_name text,
    OUT action text,
    OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_copy_roles'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.copy_roles(text, boolean) IS
'Creates or alters here the source cluster''s roles, their memberships, settings and comments (with dry_run, only says what it would do)';

REVOKE ALL ON FUNCTION ivory.copy_roles(text, boolean) FROM PUBLIC;

CREATE FUNCTION ivory.copy_large_objects(
    source text,
    OUT object_id oid,
    OUT action text,
    OUT bytes bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_copy_large_objects'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.copy_large_objects(text) IS
'Makes every large object of the source the same here (contents, owner, grants); switchover runs it while the source is read-only';

REVOKE ALL ON FUNCTION ivory.copy_large_objects(text) FROM PUBLIC;
