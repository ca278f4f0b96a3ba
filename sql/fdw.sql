-- The source as a foreign server of ivory_fdw: credentials out of query text.
\getenv source_host IVORY_SOURCE_HOST
\getenv source_port IVORY_SOURCE_PORT

-- Options are libpq's, and each in its place.
CREATE SERVER ivory_regress_source FOREIGN DATA WRAPPER ivory_fdw
    OPTIONS (host :'source_host', port :'source_port', dbname 'ivory_regress');
CREATE SERVER bad_option FOREIGN DATA WRAPPER ivory_fdw OPTIONS (colour 'blue');
CREATE SERVER secret_on_server FOREIGN DATA WRAPPER ivory_fdw OPTIONS (password 'x');
CREATE USER MAPPING FOR postgres SERVER ivory_regress_source OPTIONS (host 'elsewhere');
CREATE USER MAPPING FOR postgres SERVER ivory_regress_source OPTIONS (user 'postgres');

-- A server name works wherever a connection string does.
SELECT count(*) >= 8 AS checked, count(*) FILTER (WHERE severity = 'error' AND NOT ok) AS errors
FROM ivory.check('ivory_regress_source');
SELECT count(*) AS differences FROM ivory.schema_diff('ivory_regress_source');
SELECT * FROM ivory.check('no_such_server');

-- A user without a mapping, and a non-superuser whose mapping has no
-- password: refused (the server's own identity is not lent out).
CREATE ROLE ivory_regress_user LOGIN;
GRANT USAGE ON SCHEMA ivory TO ivory_regress_user;
GRANT EXECUTE ON FUNCTION ivory.check(text) TO ivory_regress_user;
SET ROLE ivory_regress_user;
SELECT count(*) FROM ivory.check('ivory_regress_source');
RESET ROLE;
GRANT USAGE ON FOREIGN SERVER ivory_regress_source TO ivory_regress_user;
SET ROLE ivory_regress_user;
SELECT count(*) FROM ivory.check('ivory_regress_source');
RESET ROLE;
CREATE USER MAPPING FOR ivory_regress_user SERVER ivory_regress_source OPTIONS (user 'postgres');
SET ROLE ivory_regress_user;
SELECT count(*) FROM ivory.check('ivory_regress_source');
-- Nor may it read the stored credentials.
SELECT umoptions FROM pg_user_mappings WHERE srvname = 'ivory_regress_source' AND usename = 'postgres';
RESET ROLE;

DROP USER MAPPING FOR ivory_regress_user SERVER ivory_regress_source;
REVOKE ALL ON FOREIGN SERVER ivory_regress_source FROM ivory_regress_user;
REVOKE ALL ON FUNCTION ivory.check(text) FROM ivory_regress_user;
REVOKE ALL ON SCHEMA ivory FROM ivory_regress_user;
DROP ROLE ivory_regress_user;
DROP SERVER ivory_regress_source CASCADE;
