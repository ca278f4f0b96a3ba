// The source connection string the CLI sends as a bind parameter, and the
// target's keyword list: every value must reach libpq byte for byte.
#include <map>
#include <memory>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "../../cli/conninfo.hpp"
#include "../../cli/target.hpp"

using namespace ivory::cli;

namespace {

// What libpq reads back from a connection string: the keywords that are set.
std::map<std::string, std::string> parse_with_libpq(const std::string &conninfo) {
    char *error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
    if (error) {
        ADD_FAILURE() << "libpq rejected " << conninfo << ": " << error;
        PQfreemem(error);
    }
    std::map<std::string, std::string> values;
    if (options)
        for (const PQconninfoOption *option = options.get(); option->keyword; ++option)
            if (option->val)
                values[option->keyword] = option->val;
    return values;
}

ConnectionOptions all_set(const std::string &value) {
    return ConnectionOptions{value, value, value, value, value};
}

} // namespace

TEST(CliConninfo, NoOptionsGiveAnEmptyString) {
    EXPECT_EQ(build_conninfo(ConnectionOptions{}), "");
}

TEST(CliConninfo, OmitsUnsetOptionsAndKeepsOrder) {
    ConnectionOptions options;
    options.host = "db.example.com";
    options.dbname = "app";
    EXPECT_EQ(build_conninfo(options), "host='db.example.com' dbname='app'");
}

TEST(CliConninfo, AllOptions) {
    const ConnectionOptions options{"/var/run/postgresql", "5433", "ivory", "s3cret", "app"};
    EXPECT_EQ(build_conninfo(options), "host='/var/run/postgresql' port='5433' user='ivory' "
                                       "password='s3cret' dbname='app'");
}

TEST(CliConninfo, LibpqReadsBackAwkwardValuesExactly) {
    const std::vector<std::string> awkward = {
        "with space",       "it's", R"(back\slash)",       R"(trailing\)",
        R"(\'mixed'\)",     "'",    "key=value host=evil", "tab\tand\nnewline",
        "ünïcødé ✓ 数据库", "   ",
    };
    for (const std::string &value : awkward) {
        const auto parsed = parse_with_libpq(build_conninfo(all_set(value)));
        for (const char *keyword : {"host", "port", "user", "password", "dbname"}) {
            ASSERT_EQ(parsed.count(keyword), 1u) << keyword << " for " << value;
            EXPECT_EQ(parsed.at(keyword), value) << keyword;
        }
    }
}

TEST(CliConninfo, AnOptionCannotInjectAnotherKeyword) {
    ConnectionOptions options;
    options.dbname = "app' host='evil";
    const auto parsed = parse_with_libpq(build_conninfo(options));
    EXPECT_EQ(parsed.at("dbname"), "app' host='evil");
    EXPECT_EQ(parsed.count("host"), 0u);
}

TEST(CliConninfo, DescriptionNeverShowsThePassword) {
    const ConnectionOptions options{"db host", "5432", "o'brien", "hunter2", "app"};
    const std::string description = describe_connection(connection_keywords(options));
    EXPECT_EQ(description, R"(host='db host' port=5432 user='o\'brien' dbname=app)");
    EXPECT_EQ(description.find("hunter2"), std::string::npos);
    EXPECT_EQ(describe_connection({}), "(libpq defaults)");
}

TEST(CliConninfo, TargetKeywordsAddApplicationNameAndOmitUnset) {
    ConnectionOptions options;
    options.port = "5434";
    options.password = "pw";
    const Keywords keywords = target_keywords(options);
    const Keywords expected = {{"port", "5434"},
                               {"password", "pw"},
                               {"fallback_application_name", "ivory"},
                               {"client_encoding", "UTF8"}};
    EXPECT_EQ(keywords, expected);
}
