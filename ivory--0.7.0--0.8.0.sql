-- ivory 0.7.0 to 0.8.0: switchover's rehearsal (dry_run) and each step's
-- evidence. ALTER EXTENSION ivory UPDATE runs this; CREATE EXTENSION ivory
-- runs ivory--0.1.0.sql, then each update in turn.
\echo Use "ALTER EXTENSION ivory UPDATE" to load this file. \quit

DROP FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer);

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
    OUT step text,
    OUT seconds double precision,
    OUT detail text,
    OUT evidence jsonb)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_switchover'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer, boolean) IS
'Waits for sync, names what would hold up the lock, verifies online, makes the source read-only, waits for its final position, syncs sequences, compares row counts and drops the replication (with dry_run, measures every step and forecasts the read-only window, locking and changing nothing)';

REVOKE ALL ON FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer, boolean) FROM PUBLIC;
