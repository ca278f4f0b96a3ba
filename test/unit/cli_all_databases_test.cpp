// --all-databases: which commands take it, and the invocation each database
// gets (its source and target database, a subscription of its own).
#include <gtest/gtest.h>

#include "../../cli/all_databases.hpp"
#include "../../cli/command_line.hpp"

using namespace ivory::cli;

namespace {

Invocation parsed(const std::vector<std::string> &arguments) {
    ParseResult result =
        parse_command_line(arguments, [](const std::string &) { return std::nullopt; });
    EXPECT_TRUE(result.invocation) << result.output;
    return result.invocation ? *result.invocation : Invocation{};
}

} // namespace

TEST(CliAllDatabases, CommandsThatTakeIt) {
    for (const CommandSpec &command : command_table()) {
        const std::string name = command.full_name();
        // copyroles is the cluster's already.
        EXPECT_EQ(runs_for_all_databases(command), name != "copyroles") << name;
    }
}

TEST(CliAllDatabases, EachDatabaseGetsItsOwnNamesAndSubscription) {
    const Invocation all =
        parsed({"--all-databases", "--source-dbname", "postgres", "--target-dbname", "elsewhere",
                "switchover", "--subscription-name", "move"});
    const Invocation one = for_database(all, "shop");
    EXPECT_FALSE(one.global.all_databases);
    EXPECT_EQ(one.global.source.dbname, "shop");
    EXPECT_EQ(one.global.target.dbname, "shop");
    EXPECT_EQ(one.options.switchover.subscription_name, "move_shop");
    EXPECT_EQ(one.options.replication_status.subscription_name, "ivory_subscription_shop");
    EXPECT_EQ(one.options.verify.subscription_name, "ivory_subscription_shop");
    EXPECT_EQ(one.options.switchover.publication_name, "ivory_publication");
    EXPECT_EQ(subscription_for_database("ivory_subscription", "a b"), "ivory_subscription_a b");
}
