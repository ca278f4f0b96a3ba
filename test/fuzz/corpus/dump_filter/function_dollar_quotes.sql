SET check_function_bodies = false;

--
-- Name: touch(); Type: FUNCTION; Schema: public; Owner: postgres
--

CREATE FUNCTION public.touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $_$
BEGIN
  -- not a header: -- Name: x; Type: TABLE; Schema: public; Owner: y
  NEW.note := $q$\connect elsewhere$q$ || E'\'' || "weird ""name""";
  /* nested /* comment */ still */
  RETURN NEW;
END
$_$;


ALTER FUNCTION public.touch() OWNER TO postgres;

--
-- Name: "Mixed Case"; Type: TABLE; Schema: "odd schema"; Owner: postgres
--

CREATE TABLE "odd schema"."Mixed Case" (a int);

