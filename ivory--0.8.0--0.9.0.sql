-- ivory 0.8.0 to 0.9.0: the way back after a switchover, and a switchover in
-- phases. switchover's reverse_conninfo leaves a replication from the target
-- to the old source; switchback returns through it; reverse_replication_drop
-- gives it up. switchover's phase ('prepare', 'lock', 'finish') lets several
-- databases share one read-only window.
-- ALTER EXTENSION ivory UPDATE runs this; CREATE EXTENSION ivory runs
-- ivory--0.1.0.sql, then each update in turn.
\echo Use "ALTER EXTENSION ivory UPDATE" to load this file. \quit

DROP FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer, boolean);

CREATE FUNCTION ivory.switchover(
    source text,
    max_lag bigint DEFAULT 8388608,
    timeout_seconds double precision DEFAULT 300,
    lock_source boolean DEFAULT true,
    publication_name text DEFAULT 'ivory_publication',
    subscription_name text DEFAULT 'ivory_subscription',
    verify_in_window boolean DEFAULT false,
    force boolean DEFAULT false,
    jobs integer DEFAULT NULL,
    dry_run boolean DEFAULT false,
    reverse_conninfo text DEFAULT NULL,
    phase text DEFAULT 'all',
    modification_counts jsonb DEFAULT NULL,
    OUT step text,
    OUT seconds double precision,
    OUT detail text,
    OUT evidence jsonb)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_switchover'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer, boolean, text, text, jsonb) IS
'Waits for sync, names what would hold up the lock, verifies online, makes the source read-only, waits for its final position, syncs sequences, compares row counts and drops the replication (with dry_run, measures every step and forecasts the read-only window, locking and changing nothing; with reverse_conninfo, leaves a replication from here back to the source, from the switch point on; phase runs it in parts: prepare, lock, finish)';

REVOKE ALL ON FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer, boolean, text, text, jsonb) FROM PUBLIC;

CREATE FUNCTION ivory.switchback(
    source text,
    max_lag bigint DEFAULT 8388608,
    timeout_seconds double precision DEFAULT 300,
    publication_name text DEFAULT 'ivory_publication',
    subscription_name text DEFAULT 'ivory_subscription',
    verify_in_window boolean DEFAULT false,
    force boolean DEFAULT false,
    jobs integer DEFAULT NULL,
    OUT step text,
    OUT seconds double precision,
    OUT detail text,
    OUT evidence jsonb)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_switchback'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.switchback(text, bigint, double precision, text, text, boolean, boolean, integer) IS
'Returns to the source through the way back a switchover left: waits for it, makes this database read-only, waits for the source to confirm its final position, sets the source''s sequences, compares, drops the way back and makes the source writable';

REVOKE ALL ON FUNCTION ivory.switchback(text, bigint, double precision, text, text, boolean, boolean, integer) FROM PUBLIC;

CREATE FUNCTION ivory.reverse_replication_drop(
    source text,
    publication_name text DEFAULT 'ivory_publication',
    subscription_name text DEFAULT 'ivory_subscription',
    OUT object_type text,
    OUT object_name text,
    OUT action text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_reverse_replication_drop'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.reverse_replication_drop(text, text, text) IS
'Gives up the way back: drops the source''s subscription, its slot here and the publication here; the source stays read-only';

REVOKE ALL ON FUNCTION ivory.reverse_replication_drop(text, text, text) FROM PUBLIC;
