--
-- Name: s; Type: SEQUENCE; Schema: public; Owner: postgres
--

CREATE SEQUENCE public.s
    START WITH 1
    INCREMENT BY 1;


SELECT pg_catalog.setval('public.s', 1, false);
