#include <gtest/gtest.h>

#include "../../src/core/dump_filter.hpp"
#include "../../src/core/error.hpp"

using namespace ivory;

namespace {

const std::string sample_dump = R"DUMP(--
-- PostgreSQL database dump
--

\restrict AbC123

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

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

COMMENT ON EXTENSION ivory IS 'x';

--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

--
-- Name: f(); Type: FUNCTION; Schema: public; Owner: postgres
--

CREATE FUNCTION public.f() RETURNS integer
    LANGUAGE plpgsql
    AS $_$
BEGIN
SET work_mem = '1MB';
\restrict not-a-command
RETURN 1; END $_$;

SET default_tablespace = '';

--
-- Name: t; Type: TABLE; Schema: A b"c; Owner: postgres
--

CREATE TABLE "A b""c".t (
    v text DEFAULT 'it''s
SET not a setting'::text
);

\unrestrict AbC123
)DUMP";

} // namespace

TEST(DumpFilter, SplitsEntriesWithNameTypeAndSchema) {
    const SchemaDump dump = parse_schema_dump(sample_dump);
    ASSERT_EQ(dump.entries.size(), 6u);
    EXPECT_EQ(dump.entries[0].type, "SCHEMA");
    EXPECT_EQ(dump.entries[2].name, "EXTENSION ivory");
    EXPECT_EQ(dump.entries[2].type, "COMMENT");
    EXPECT_EQ(dump.entries[4].name, "f()");
    EXPECT_EQ(dump.entries[4].schema, "public");
    EXPECT_EQ(dump.entries[5].name, "t");
    EXPECT_EQ(dump.entries[5].schema, "A b\"c");
}

TEST(DumpFilter, RemovesRestrictLinesAndCallersSettings) {
    const SchemaDump dump = parse_schema_dump(sample_dump);
    EXPECT_EQ(dump.preamble.find("\\restrict"), std::string::npos);
    EXPECT_EQ(dump.preamble.find("statement_timeout"), std::string::npos);
    EXPECT_EQ(dump.preamble.find("lock_timeout"), std::string::npos);
    EXPECT_EQ(dump.preamble.find("client_encoding"), std::string::npos);
    EXPECT_EQ(dump.entries.back().sql.find("\\unrestrict"), std::string::npos);
}

TEST(DumpFilter, DropsTheColumnOptionPgAttverOfDebians15) {
    const SchemaDump dump = parse_schema_dump(
        "-- Name: t; Type: TABLE; Schema: public; Owner: postgres\n"
        "CREATE TABLE public.t (id integer, x text);\n"
        "ALTER TABLE ONLY public.t ALTER COLUMN id SET (pg_attver=22158952);\n"
        "ALTER TABLE ONLY public.t ALTER COLUMN x SET (n_distinct=5, pg_attver=22158952);\n"
        "ALTER TABLE ONLY public.t ALTER COLUMN x SET (pg_attver='x');\n"
        "SELECT 'ALTER TABLE ONLY a ALTER COLUMN b SET (pg_attver=1);';\n");
    ASSERT_EQ(dump.entries.size(), 1u);
    EXPECT_EQ(dump.entries[0].sql,
              "CREATE TABLE public.t (id integer, x text);\n"
              "ALTER TABLE ONLY public.t ALTER COLUMN x SET (n_distinct=5);\n"
              "ALTER TABLE ONLY public.t ALTER COLUMN x SET (pg_attver='x');\n"
              "SELECT 'ALTER TABLE ONLY a ALTER COLUMN b SET (pg_attver=1);';\n");
}

TEST(DumpFilter, MakesSettingsTransactionLocal) {
    const SchemaDump dump = parse_schema_dump(sample_dump);
    EXPECT_NE(dump.preamble.find("SET LOCAL standard_conforming_strings = on;"), std::string::npos);
    EXPECT_NE(dump.preamble.find("SET LOCAL check_function_bodies = false;"), std::string::npos);
    EXPECT_NE(dump.preamble.find("set_config('search_path', '', true);"), std::string::npos);
    // A setting between entries belongs to the entry after it.
    EXPECT_EQ(dump.entries[4].sql.find("default_tablespace"), std::string::npos);
    EXPECT_EQ(dump.entries[5].sql.rfind("SET LOCAL default_tablespace = '';\n", 0), 0u)
        << dump.entries[5].sql;
}

TEST(DumpFilter, NamesEverySettingItChangesOnce) {
    // Not the caller's timeouts and encoding (dropped), nor a SET inside a
    // function body (not a statement of the dump).
    const SchemaDump dump = parse_schema_dump(sample_dump);
    EXPECT_EQ(dump.settings,
              (std::vector<std::string>{"standard_conforming_strings", "search_path",
                                        "check_function_bodies", "default_tablespace"}));
}

TEST(DumpFilter, LeavesFunctionBodiesAndStringsAlone) {
    const SchemaDump dump = parse_schema_dump(sample_dump);
    const std::string &function = dump.entries[4].sql;
    EXPECT_NE(function.find("\nSET work_mem = '1MB';\n"), std::string::npos) << function;
    EXPECT_NE(function.find("\\restrict not-a-command"), std::string::npos);
    EXPECT_NE(dump.entries[5].sql.find("\nSET not a setting'::text"), std::string::npos);
}

TEST(DumpFilter, RecognisesIvorysOwnEntries) {
    const SchemaDump dump = parse_schema_dump(sample_dump);
    EXPECT_TRUE(is_ivory_entry(dump.entries[0]));
    EXPECT_TRUE(is_ivory_entry(dump.entries[1]));
    EXPECT_TRUE(is_ivory_entry(dump.entries[2]));
    EXPECT_FALSE(is_ivory_entry(dump.entries[3]));
    EXPECT_FALSE(is_ivory_entry(dump.entries[5]));
    EXPECT_EQ(extensions_in(dump), (std::vector<std::string>{"ivory", "pg_trgm"}));
}

TEST(DumpFilter, LeavesOutCommentsAndBlankLinesBetweenStatements) {
    const SchemaDump dump = parse_schema_dump(sample_dump);
    EXPECT_EQ(dump.entries[1].sql, "CREATE EXTENSION IF NOT EXISTS ivory WITH SCHEMA ivory;\n");
    EXPECT_EQ(dump.preamble.find("--"), std::string::npos);
}

TEST(DumpFilter, CountsByType) {
    const SchemaDump dump = parse_schema_dump(sample_dump);
    const auto counts = count_by_type(dump.entries);
    EXPECT_EQ(counts.at("EXTENSION"), 2);
    EXPECT_EQ(counts.at("TABLE"), 1);
}

TEST(DumpFilter, RefusesUnknownMetaCommands) {
    EXPECT_THROW(parse_schema_dump("SET x = 1;\n\\connect other\n"), Error);
}

TEST(DumpFilter, DropsRestrictLinesOfPgDumpall) {
    const std::string script = "\\restrict Xy9\nSET standard_conforming_strings = on;\n"
                               "CREATE ROLE app;\nCOMMENT ON ROLE app IS 'a\n\\restrict kept\n';\n"
                               "\\unrestrict Xy9\n";
    EXPECT_EQ(without_meta_commands(script),
              "SET standard_conforming_strings = on;\nCREATE ROLE app;\n"
              "COMMENT ON ROLE app IS 'a\n\\restrict kept\n';\n");
    EXPECT_THROW(without_meta_commands("CREATE ROLE app;\n\\! rm -rf /\n"), Error);
}

TEST(SqlLexer, TracksQuotesCommentsAndDollarQuotes) {
    SqlLexer lexer;
    lexer.feed_line("SELECT 'open");
    EXPECT_FALSE(lexer.at_top_level());
    lexer.feed_line("still'' open' AS x, $tag$ body");
    EXPECT_FALSE(lexer.at_top_level());
    lexer.feed_line("$notag$ $tag$ /* comment /* nested */");
    EXPECT_FALSE(lexer.at_top_level());
    lexer.feed_line("*/ \"quoted \"\" id\" -- ' not a quote");
    EXPECT_TRUE(lexer.at_top_level());
    lexer.feed_line("E'back\\'slash");
    EXPECT_FALSE(lexer.at_top_level());
    lexer.feed_line("end'");
    EXPECT_TRUE(lexer.at_top_level());
    lexer.feed_line("SELECT $1, a$b$c");
    EXPECT_TRUE(lexer.at_top_level());
}

TEST(DumpFilter, FedInPiecesAsWhole) {
    // pg_dump's output reaches the parser in pipe-sized pieces cut anywhere,
    // even inside a line or a function body.
    const SchemaDump whole = parse_schema_dump(sample_dump);
    for (size_t piece : {1u, 7u, 64u, 4096u}) {
        SchemaDumpParser parser;
        for (size_t at = 0; at < sample_dump.size(); at += piece)
            parser.feed(sample_dump.data() + at, std::min(piece, sample_dump.size() - at));
        const SchemaDump pieces = parser.finish();
        EXPECT_EQ(pieces.preamble, whole.preamble) << piece;
        ASSERT_EQ(pieces.entries.size(), whole.entries.size()) << piece;
        for (size_t i = 0; i < whole.entries.size(); ++i)
            EXPECT_EQ(pieces.entries[i].sql, whole.entries[i].sql) << piece << " " << i;
        EXPECT_EQ(pieces.settings, whole.settings) << piece;
    }
}
