#include <gtest/gtest.h>

#include "../../src/core/conninfo.hpp"
#include "../../src/core/replication_naming.hpp"

using namespace ivory;

TEST(SlotName, PlainNamesStayAndOthersBecomeValid) {
    EXPECT_EQ(slot_name_for("ivory_subscription"), "ivory_subscription");
    EXPECT_EQ(slot_name_for("Mixed \"Sub\""), "mixed__sub_");
    EXPECT_EQ(slot_name_for("ünï"), "__n__"); // each byte of a non-ASCII letter
    EXPECT_EQ(slot_name_for(std::string(100, 'a')).size(), 63u);
    EXPECT_EQ(slot_name_for(""), "ivory_subscription");
}

TEST(SubscriptionConninfo, LogsInAsTheReplicationRole) {
    const std::string conninfo = subscription_conninfo(
        "host=/tmp port=5 user=postgres password=admin dbname='my db'", "it's-secret");
    EXPECT_EQ(conninfo_value(conninfo, "user"), "ivory_replicator");
    EXPECT_EQ(conninfo_value(conninfo, "password"), "it's-secret");
    EXPECT_EQ(conninfo_value(conninfo, "dbname"), "my db");
    EXPECT_EQ(conninfo_value(conninfo, "host"), "/tmp");
    EXPECT_EQ(conninfo_value(conninfo, "application_name"), "ivory_replicator");
    EXPECT_EQ(conninfo.find("admin"), std::string::npos);
}

TEST(SubscriptionConninfo, FromAUri) {
    const std::string conninfo =
        subscription_conninfo("postgresql://admin:pw@db.example:5433/shop", "x");
    EXPECT_EQ(conninfo_value(conninfo, "host"), "db.example");
    EXPECT_EQ(conninfo_value(conninfo, "port"), "5433");
    EXPECT_EQ(conninfo_value(conninfo, "user"), "ivory_replicator");
}

TEST(Password, HexOfTheRandomBytes) {
    const unsigned char bytes[] = {0x00, 0x9f, 0xff};
    EXPECT_EQ(password_from_random_bytes(bytes, 3), "009fff");
}

TEST(Naming, CommentStatesAndSizes) {
    EXPECT_EQ(managed_comment("2026-01-02 03:04:05 UTC"),
              "ivory managed (created on 2026-01-02 03:04:05 UTC)");
    EXPECT_EQ(subscription_state_name('i'), "initializing");
    EXPECT_EQ(subscription_state_name('d'), "copying");
    EXPECT_EQ(subscription_state_name('s'), "synchronized");
    EXPECT_EQ(subscription_state_name('r'), "ready");
    EXPECT_EQ(sql_identifier("a\"b"), "\"a\"\"b\"");
}
