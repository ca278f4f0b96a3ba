-- ivory 0.4.0 to 0.5.0: verify online and in parallel, a switchover whose
-- read-only window holds only the lag. ALTER EXTENSION ivory UPDATE runs
-- this; CREATE EXTENSION ivory runs ivory--0.1.0.sql, then each update in turn.
\echo Use "ALTER EXTENSION ivory UPDATE" to load this file. \quit

-- verify_data gains jobs (its connections to the source) and the
-- subscription whose streaming it waits for when a range differs.
DROP FUNCTION ivory.verify_data(text, text, bigint);

CREATE FUNCTION ivory.verify_data(
    source text,
    publication_name text DEFAULT 'ivory_publication',
    range_rows bigint DEFAULT 100000,
    jobs integer DEFAULT NULL,
    subscription_name text DEFAULT 'ivory_subscription',
    OUT table_name text,
    OUT source_rows bigint,
    OUT target_rows bigint,
    OUT matches boolean,
    OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_verify_data'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.verify_data(text, text, bigint, integer, text) IS
'Compares every published table''s row count and order-independent row hash on both sides at once, in key ranges; while the subscription streams, rows in flight are read again';

REVOKE ALL ON FUNCTION ivory.verify_data(text, text, bigint, integer, text) FROM PUBLIC;

-- switchover verifies online before the lock, looks for what would hold the
-- lock up first, and checks only row counts inside the window by default.
DROP FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text);

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
    OUT step text,
    OUT seconds double precision,
    OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_switchover'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer) IS
'Waits for sync, names what would hold up the lock, verifies online, makes the source read-only, waits for its final position, syncs sequences, compares row counts and drops the replication';

REVOKE ALL ON FUNCTION ivory.switchover(text, bigint, double precision, boolean, text, text, boolean, boolean, integer) FROM PUBLIC;
