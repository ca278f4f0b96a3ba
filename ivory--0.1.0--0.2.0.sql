-- ivory 0.1.0 to 0.2.0: the monitoring view. ALTER EXTENSION ivory UPDATE
-- runs this; CREATE EXTENSION ivory runs ivory--0.1.0.sql, then this.
\echo Use "ALTER EXTENSION ivory UPDATE" to load this file. \quit

-- One row per ivory-managed subscription of this database, for monitoring
-- agents: a plain SELECT, numbers in columns. Built on replication_status,
-- so it reads the source through each subscription's own connection (NULL
-- lag when the source cannot be reached) and, like it, needs a superuser.
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
           pg_catalog.max(pg_catalog.split_part(r.state, ' ', 1)::bigint)
               FILTER (WHERE r.item = 'lag') AS lag_bytes
    FROM ivory.replication_status(s.subname::text) r) st
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d
                   WHERE d.datname = pg_catalog.current_database())
  AND pg_catalog.obj_description(s.oid, 'pg_subscription') LIKE 'ivory managed%';

COMMENT ON VIEW ivory.replication_overview IS
'One row per ivory subscription: state, ok (what replication status exits 0 on), tables ready of total, lag in bytes, seconds since the last message from the source';

REVOKE ALL ON ivory.replication_overview FROM PUBLIC;
