-- The extension installs in its own schema; every function that reaches
-- another server is revoked from PUBLIC.
CREATE EXTENSION ivory;
SELECT ivory.version();
SELECT n.nspname AS schema, e.extname AS extension
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'ivory';
SELECT p.proname, p.proacl IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0) AS revoked_from_public
FROM pg_proc p WHERE p.pronamespace = 'ivory'::regnamespace
ORDER BY p.proname;
SELECT viewname, has_table_privilege('public', 'ivory.' || viewname, 'SELECT') AS public_can_read
FROM pg_views WHERE schemaname = 'ivory' ORDER BY viewname;
