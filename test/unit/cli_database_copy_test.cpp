// ivory copyschema's statements and messages: the target database re-created
// with the source's options, every name and value quoted, and messages that
// say what is in the way.
#include <memory>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "../../cli/database_copy.hpp"
#include "../../cli/target.hpp"

using namespace ivory::cli;

namespace {

// Marks what was quoted how, so that a test sees each value in its place.
const SqlQuoting marked_quoting{[](const std::string &name) { return "<id:" + name + ">"; },
                                [](const std::string &text) { return "<lit:" + text + ">"; }};

DatabaseOptions utf8_options() {
    DatabaseOptions options;
    options.encoding = "UTF8";
    options.collate = "C.UTF-8";
    options.ctype = "C.UTF-8";
    options.provider = "libc";
    options.connection_limit = -1;
    options.owner = "postgres";
    return options;
}

TemplateLocale utf8_template() {
    return TemplateLocale{"UTF8", "C.UTF-8", "C.UTF-8", "libc", ""};
}

// A libpq connection object that never connected: enough for PQescape*, which
// quote for its client encoding (SQL_ASCII until connected, so every byte
// passes through as it is).
struct UnconnectedConnection {
    UnconnectedConnection() : connection(PQconnectStart("host=/nonexistent/ivory-unit-test")) {}
    Connection connection;
};

std::chrono::system_clock::time_point utc_time(int year, unsigned month, unsigned day, int hour,
                                               int minute, int second) {
    // Days since 1970-01-01 (Howard Hinnant's days_from_civil), for a fixed
    // instant without depending on the local time zone.
    const int y = year - (month <= 2);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned year_of_era = static_cast<unsigned>(y - era * 400);
    const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    const long long days = era * 146097LL + static_cast<long long>(day_of_era) - 719468;
    return std::chrono::system_clock::time_point(
        std::chrono::seconds(days * 86400 + hour * 3600 + minute * 60 + second));
}

} // namespace

TEST(CliDatabaseCopy, SameLocaleAsTemplate1NeedsNoTemplate0) {
    EXPECT_FALSE(needs_template0(utf8_options(), utf8_template()));
}

TEST(CliDatabaseCopy, AnyLocaleDifferenceNeedsTemplate0) {
    DatabaseOptions options = utf8_options();
    options.encoding = "SQL_ASCII";
    EXPECT_TRUE(needs_template0(options, utf8_template()));
    options = utf8_options();
    options.collate = "C";
    EXPECT_TRUE(needs_template0(options, utf8_template()));
    options = utf8_options();
    options.ctype = "C";
    EXPECT_TRUE(needs_template0(options, utf8_template()));
    options = utf8_options();
    options.provider = "icu";
    options.icu_locale = "und";
    EXPECT_TRUE(needs_template0(options, utf8_template()));
}

TEST(CliDatabaseCopy, IcuLocaleCountsOnlyWithTheIcuProvider) {
    DatabaseOptions options = utf8_options();
    options.icu_locale = "de-DE";
    EXPECT_FALSE(needs_template0(options, utf8_template()));

    TemplateLocale icu_template = utf8_template();
    icu_template.provider = "icu";
    icu_template.icu_locale = "und";
    options.provider = "icu";
    options.icu_locale = "und";
    EXPECT_FALSE(needs_template0(options, icu_template));
    options.icu_locale = "de-DE";
    EXPECT_TRUE(needs_template0(options, icu_template));
}

TEST(CliDatabaseCopy, LocaleProviderNames) {
    EXPECT_EQ(locale_provider_name("c"), "libc");
    EXPECT_EQ(locale_provider_name("i"), "icu");
    EXPECT_EQ(locale_provider_name("b"), "builtin");
}

TEST(CliDatabaseCopy, DropQuotesTheName) {
    EXPECT_EQ(drop_database_sql("Shop DB", marked_quoting), "DROP DATABASE IF EXISTS <id:Shop DB>");
}

TEST(CliDatabaseCopy, RenameQuotesBothNames) {
    EXPECT_EQ(rename_database_sql("a b", "c", marked_quoting),
              "ALTER DATABASE <id:a b> RENAME TO <id:c>");
}

TEST(CliDatabaseCopy, SideDatabaseNamesFitAndDiffer) {
    const std::string longest = side_database_name("new", 4194304, 0xffffffffu);
    EXPECT_EQ(longest, "ivory_copyschema_new_4194304_ffffffff");
    EXPECT_LE(longest.size(), 63u);
    EXPECT_EQ(side_database_name("old", 42, 0xab), "ivory_copyschema_old_42_000000ab");
    EXPECT_NE(side_database_name("new", 42, 1), side_database_name("new", 42, 2));
}

TEST(CliDatabaseCopy, CreateTakesEveryOptionOfTheSource) {
    DatabaseOptions options = utf8_options();
    options.connection_limit = 7;
    options.owner = "app owner";
    EXPECT_EQ(create_database_sql("shop", options, false, marked_quoting),
              "CREATE DATABASE <id:shop> WITH OWNER <id:app owner> ENCODING <lit:UTF8> "
              "LC_COLLATE <lit:C.UTF-8> LC_CTYPE <lit:C.UTF-8> LOCALE_PROVIDER <lit:libc> "
              "CONNECTION LIMIT 7");
}

TEST(CliDatabaseCopy, CreateFromTemplate0WithIcu) {
    DatabaseOptions options = utf8_options();
    options.provider = "icu";
    options.icu_locale = "und-x-icu";
    EXPECT_EQ(create_database_sql("shop", options, true, marked_quoting),
              "CREATE DATABASE <id:shop> WITH OWNER <id:postgres> ENCODING <lit:UTF8> "
              "LC_COLLATE <lit:C.UTF-8> LC_CTYPE <lit:C.UTF-8> LOCALE_PROVIDER <lit:icu> "
              "ICU_LOCALE <lit:und-x-icu> CONNECTION LIMIT -1 TEMPLATE template0");
}

TEST(CliDatabaseCopy, LibpqQuotesAwkwardNames) {
    UnconnectedConnection unconnected;
    ASSERT_TRUE(unconnected.connection);
    PGconn *connection = unconnected.connection.get();
    const SqlQuoting libpq{
        [connection](const std::string &name) { return quote_identifier(connection, name); },
        [connection](const std::string &text) { return quote_literal(connection, text); }};
    DatabaseOptions options = utf8_options();
    options.owner = "O'Brien \"Admin\"";
    options.collate = "it's";
    EXPECT_EQ(create_database_sql("Sales \"EU\" Dépt", options, false, libpq),
              "CREATE DATABASE \"Sales \"\"EU\"\" Dépt\" WITH OWNER \"O'Brien \"\"Admin\"\"\" "
              "ENCODING 'UTF8' LC_COLLATE 'it''s' LC_CTYPE 'C.UTF-8' LOCALE_PROVIDER 'libc' "
              "CONNECTION LIMIT -1");
    EXPECT_EQ(drop_database_sql("select", libpq), "DROP DATABASE IF EXISTS \"select\"");
    // A backslash makes PQescapeLiteral write an E'' string, right whatever
    // standard_conforming_strings is.
    EXPECT_EQ(quote_literal(connection, "a\\b"), " E'a\\\\b'");
}

TEST(CliDatabaseCopy, CommentSaysWhenInUtc) {
    const auto when = utc_time(2024, 5, 1, 12, 34, 56);
    EXPECT_EQ(database_comment(when), "Created via ivory on 2024-05-01 12:34:56 UTC");
    EXPECT_EQ(comment_on_database_sql("shop", database_comment(when), marked_quoting),
              "COMMENT ON DATABASE <id:shop> IS <lit:Created via ivory on 2024-05-01 12:34:56 "
              "UTC>");
}

TEST(CliDatabaseCopy, SessionsInUseNameEverySession) {
    const std::vector<DatabaseSession> sessions = {
        {"123", "alice", "psql", "10.0.0.7:51234", "idle"},
        {"456", "bob", "", std::nullopt, "active"},
    };
    EXPECT_EQ(sessions_in_use_message("shop", sessions),
              "target database shop is in use by 2 session(s): pid 123 (user alice, application "
              "psql, client 10.0.0.7:51234, state idle), pid 456 (user bob, application (none), "
              "client local socket, state active)");
}

TEST(CliDatabaseCopy, SessionsInUseWithHiddenFields) {
    const std::vector<DatabaseSession> sessions = {
        {"789", std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
    EXPECT_EQ(sessions_in_use_message("Shop DB", sessions),
              "target database Shop DB is in use by 1 session(s): pid 789 (user (unknown), "
              "application (none), client local socket, state (unknown))");
}

TEST(CliDatabaseCopy, SummaryCountsKindsInOrderAndSkipsNone) {
    EXPECT_EQ(copied_schema_summary({{"TABLE", 12}, {"SEQUENCE", 0}, {"INDEX", 3}}),
              "schema copied: 12 TABLE, 3 INDEX");
    EXPECT_EQ(copied_schema_summary({}),
              "schema copied: the source database has no objects to copy");
    EXPECT_EQ(copied_schema_summary({{"TABLE", 0}}),
              "schema copied: the source database has no objects to copy");
}

TEST(CliDatabaseCopy, ServerErrorsShowDetailHintAndContext) {
    EXPECT_EQ(format_server_error("relation \"t\" already exists", "d", "h", "SQL statement"),
              "relation \"t\" already exists\nDETAIL: d\nHINT: h\nCONTEXT: SQL statement");
    EXPECT_EQ(format_server_error("m", nullptr, "", nullptr), "m");
}
