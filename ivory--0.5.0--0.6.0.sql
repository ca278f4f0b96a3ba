-- ivory 0.5.0 to 0.6.0: schema changes during replication. ALTER EXTENSION
-- ivory UPDATE runs this; CREATE EXTENSION ivory runs ivory--0.1.0.sql, then
-- each update in turn.
\echo Use "ALTER EXTENSION ivory UPDATE" to load this file. \quit

-- The DDL commands recorded on the source (replication_create's track_ddl),
-- replicated into this table: the same columns as the source's
-- ivory.ddl_commands. Each row the apply worker inserts runs its command
-- here first, at its place in the stream.
CREATE TABLE ivory.ddl_commands (
    id bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    role_name text NOT NULL,
    search_path text NOT NULL,
    command_tag text NOT NULL,
    statement_at timestamptz NOT NULL,
    backend_pid integer NOT NULL,
    ordinal integer NOT NULL,
    objects text NOT NULL,
    command text NOT NULL);

CREATE INDEX ddl_commands_id ON ivory.ddl_commands (id);

-- What became of each recorded command here: applied by the apply worker,
-- or skipped by ivory.replication_ddl_skip before it was.
CREATE TABLE ivory.ddl_applied (
    subscription oid NOT NULL,
    id bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('applied', 'skipped')),
    at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    detail text NOT NULL DEFAULT '',
    PRIMARY KEY (subscription, id));

REVOKE ALL ON ivory.ddl_commands, ivory.ddl_applied FROM PUBLIC;

CREATE FUNCTION ivory.apply_recorded_ddl()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ivory_apply_recorded_ddl'
LANGUAGE C;

COMMENT ON FUNCTION ivory.apply_recorded_ddl() IS
'Runs a DDL command recorded on the source when the apply worker inserts its row into ivory.ddl_commands';

REVOKE ALL ON FUNCTION ivory.apply_recorded_ddl() FROM PUBLIC;

-- Fires only where session_replication_role is replica (the apply worker);
-- the function also leaves rows alone that the initial copy brings.
CREATE TRIGGER apply_recorded_ddl BEFORE INSERT ON ivory.ddl_commands
    FOR EACH ROW EXECUTE FUNCTION ivory.apply_recorded_ddl();
ALTER TABLE ivory.ddl_commands ENABLE REPLICA TRIGGER apply_recorded_ddl;

-- replication_create gains track_ddl.
DROP FUNCTION ivory.replication_create(text, text, text, text, boolean, boolean);

CREATE FUNCTION ivory.replication_create(
    source text,
    publication_name text DEFAULT 'ivory_publication',
    subscription_name text DEFAULT 'ivory_subscription',
    replication_password text DEFAULT NULL,
    skip_checks boolean DEFAULT false,
    drop_replication_user boolean DEFAULT false,
    track_ddl boolean DEFAULT false,
    OUT object_type text,
    OUT object_name text,
    OUT action text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_replication_create'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_create(text, text, text, text, boolean, boolean, boolean) IS
'Checks readiness (unless skipped), then creates or validates the replication role, the publication and the slot on the source (with track_ddl, an event trigger that records each DDL command) and a disabled subscription here with every published table registered';

REVOKE ALL ON FUNCTION ivory.replication_create(text, text, text, text, boolean, boolean, boolean) FROM PUBLIC;

CREATE FUNCTION ivory.replication_ddl(
    subscription_name text DEFAULT 'ivory_subscription',
    source text DEFAULT NULL,
    OUT id bigint,
    OUT state text,
    OUT recorded_at timestamptz,
    OUT role_name text,
    OUT search_path text,
    OUT command_tag text,
    OUT objects text,
    OUT command text,
    OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_replication_ddl'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_ddl(text, text) IS
'The DDL commands recorded on the source, in order, with their state here: applied, pending, failed (with the error) or skipped';

REVOKE ALL ON FUNCTION ivory.replication_ddl(text, text) FROM PUBLIC;

CREATE FUNCTION ivory.replication_ddl_skip(
    id bigint,
    subscription_name text DEFAULT 'ivory_subscription',
    source text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'ivory_replication_ddl_skip'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_ddl_skip(bigint, text, text) IS
'Marks a recorded DDL command as skipped: the apply goes on past it without running it (after the DBA has changed the target by hand)';

REVOKE ALL ON FUNCTION ivory.replication_ddl_skip(bigint, text, text) FROM PUBLIC;

CREATE FUNCTION ivory.replication_ddl_retry(
    id bigint,
    subscription_name text DEFAULT 'ivory_subscription',
    source text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'ivory_replication_ddl_retry'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_ddl_retry(bigint, text, text) IS
'Has the apply worker run a failed DDL command again now, after the DBA has fixed the target by hand';

REVOKE ALL ON FUNCTION ivory.replication_ddl_retry(bigint, text, text) FROM PUBLIC;
