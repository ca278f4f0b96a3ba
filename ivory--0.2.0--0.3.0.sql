-- ivory 0.2.0 to 0.3.0: numbers where a number is meant. ALTER EXTENSION
-- ivory UPDATE runs this; CREATE EXTENSION ivory runs ivory--0.1.0.sql, then
-- each update in turn.
\echo Use "ALTER EXTENSION ivory UPDATE" to load this file. \quit

-- replication_status gains lag_bytes (the 'lag' row: WAL not yet confirmed by
-- the subscriber) and age_seconds (the 'lag' row: since the last message from
-- the source; the 'initial copy' row: how long it runs); the 'lag' row's state
-- is a word (current, stale, not streaming) instead of "N bytes". Its OUT
-- columns change, so it is dropped and created again, and the view built on
-- it with it.
DROP VIEW ivory.replication_overview;
DROP FUNCTION ivory.replication_status(text, text);

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
    OUT percent numeric,
    OUT lag_bytes bigint,
    OUT age_seconds bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ivory_replication_status'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION ivory.replication_status(text, text) IS
'The subscription, its apply worker, the slots and lag on the source (lag_bytes, age_seconds), and each table''s state and copy progress';

REVOKE ALL ON FUNCTION ivory.replication_status(text, text) FROM PUBLIC;

-- As in 0.2.0, with the lag read from its column instead of parsed from text.
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
    SELECT pg_catalog.bool_or(r.item = 'initial copy') AS copying,
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
