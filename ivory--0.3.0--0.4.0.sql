-- ivory 0.3.0 to 0.4.0: the initial copy in background workers. ALTER
-- EXTENSION ivory UPDATE runs this; CREATE EXTENSION ivory runs
-- ivory--0.1.0.sql, then each update in turn.
\echo Use "ALTER EXTENSION ivory UPDATE" to load this file. \quit

-- One row per subscription whose tables ivory copies (or copied): the
-- workers' shared state. A round is one snapshot of the source; a copy that
-- was interrupted is resumed in the next round.
CREATE TABLE ivory.copy_job (
    subscription_oid oid PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('starting', 'copying', 'paused', 'failed', 'done')),
    jobs integer NOT NULL CHECK (jobs > 0),
    round integer NOT NULL,
    snapshot text,
    snapshot_lsn pg_lsn,
    started_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    finished_at timestamptz,
    error text
);

COMMENT ON TABLE ivory.copy_job IS
'ivory''s initial copy of a subscription''s tables: its state, workers, and the snapshot of its current round';

-- One row per table of such a copy, or per range of a table copied in
-- several (range_condition: the source's WHERE clause); a row is done once
-- its copy committed.
CREATE TABLE ivory.copy_task (
    subscription_oid oid NOT NULL REFERENCES ivory.copy_job ON DELETE CASCADE,
    table_oid oid NOT NULL,
    range_number integer NOT NULL DEFAULT 0,
    range_count integer NOT NULL DEFAULT 1,
    range_condition text NOT NULL DEFAULT '',
    table_name text NOT NULL,
    bytes_total bigint NOT NULL,
    state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'copying', 'done', 'failed')),
    round integer,
    worker_pid integer,
    rows_copied bigint,
    copied_binary boolean,
    indexes_built integer,
    -- Of a table copied in ranges, on range 0 until the last range has
    -- built them: the indexes dropped for the copy, as
    -- [{"create": ..., "tablespace": ..., "restore": ...}].
    deferred_indexes jsonb,
    started_at timestamptz,
    finished_at timestamptz,
    error text,
    PRIMARY KEY (subscription_oid, table_oid, range_number)
);

-- What the workers take next, largest first, found without reading every
-- table's row (10,000 tables make 10,000 takes): in the takes' own order,
-- so that one takes the first entry instead of sorting every queued one.
CREATE INDEX copy_task_queued
    ON ivory.copy_task (subscription_oid, bytes_total DESC, table_name, range_number)
    WHERE state = 'queued';

COMMENT ON TABLE ivory.copy_task IS
'Each table of ivory''s initial copy: queued, copying, done or failed, with its size on the source and what its copy did';

REVOKE ALL ON ivory.copy_job, ivory.copy_task FROM PUBLIC;

-- replication_start gains wait and jobs; the copy runs in background workers.
DROP FUNCTION ivory.replication_start(text, boolean, boolean, boolean);

CREATE FUNCTION ivory.replication_start(
    subscription_name text DEFAULT 'ivory_subscription',
    refresh boolean DEFAULT true,
    fail_on_already_started boolean DEFAULT false,
    native_copy boolean DEFAULT false,
    wait boolean DEFAULT false,
    jobs integer DEFAULT NULL,
    split_tables_larger_than bigint DEFAULT 1073741824)
RETURNS text
AS 'MODULE_PATHNAME', 'ivory_replication_start'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_start(text, boolean, boolean, boolean, boolean, integer, bigint) IS
'Enables the subscription; the first start has background workers (jobs of them) copy every table in one snapshot of the source, tables larger than split_tables_larger_than bytes cut into key (or block) ranges copied at once, each table or range committed on its own, and enables the subscription once all are copied (unless native_copy: PostgreSQL''s table-sync workers copy them); a start after an interrupted copy resumes it; with wait, returns once every table is ready; with refresh, registers the tables added to the publication since';

REVOKE ALL ON FUNCTION ivory.replication_start(text, boolean, boolean, boolean, boolean, integer, bigint) FROM PUBLIC;

-- The view: a finished copy keeps its 'initial copy' row (state 'copied'),
-- which is no longer a copy in progress.
DROP VIEW ivory.replication_overview;

CREATE VIEW ivory.replication_overview AS
SELECT s.subname::text AS subscription,
       CASE WHEN st.copying THEN 'initial copy'
            WHEN NOT s.subenabled THEN 'stopped'
            WHEN w.pid IS NULL THEN 'worker not running'
            WHEN st.tables_ready < st.tables_total THEN 'synchronizing'
            ELSE 'streaming' END AS state,
       NOT st.has_error AS ok,
       st.tables_ready,
       st.tables_total,
       st.lag_bytes,
       round(EXTRACT(epoch FROM pg_catalog.now() - w.last_msg_receipt_time))::bigint
           AS last_reply_age_seconds
FROM pg_catalog.pg_subscription s
LEFT JOIN pg_catalog.pg_stat_subscription w ON w.subid = s.oid AND w.relid IS NULL
CROSS JOIN LATERAL (
    SELECT pg_catalog.bool_or(r.item = 'initial copy' AND r.state <> 'copied') AS copying,
           pg_catalog.bool_or(r.severity = 'error') AS has_error,
           pg_catalog.count(*) FILTER (WHERE r.item = 'table' AND r.state = 'ready') AS tables_ready,
           pg_catalog.count(*) FILTER (WHERE r.item = 'table') AS tables_total,
           pg_catalog.max(r.lag_bytes) FILTER (WHERE r.item = 'lag') AS lag_bytes
    FROM ivory.replication_status(s.subname::text) r) st
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d
                   WHERE d.datname = pg_catalog.current_database())
  AND pg_catalog.obj_description(s.oid, 'pg_subscription') LIKE 'ivory managed%';

COMMENT ON VIEW ivory.replication_overview IS
'One row per ivory subscription: state, ok (what replication status exits 0 on), tables ready of total, lag in bytes, seconds since the last message from the source';

REVOKE ALL ON ivory.replication_overview FROM PUBLIC;
