SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: ivory; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA ivory;


--
-- Name: ivory; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS ivory WITH SCHEMA ivory;


--
-- Name: EXTENSION ivory; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION ivory IS 'logical replication, managed';


--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;

