#include <gtest/gtest.h>

#include "../../src/core/replication_features.hpp"
#include "../../src/core/status.hpp"

using namespace ivory;

TEST(ReplicationFeatures, EachTargetVersionGetsWhatItOffers) {
    const ReplicationFeatures fifteen = replication_features(120022, 150018);
    EXPECT_EQ(fifteen.streaming, "on");
    EXPECT_FALSE(fifteen.failover_slot);
    EXPECT_FALSE(fifteen.conflict_statistics);

    const ReplicationFeatures sixteen = replication_features(130023, 160014);
    EXPECT_EQ(sixteen.streaming, "parallel");

    // Failover needs both sides at 17 or later.
    EXPECT_FALSE(replication_features(160014, 180006).failover_slot);
    EXPECT_TRUE(replication_features(170010, 170012).failover_slot);
    EXPECT_TRUE(replication_features(180004, 180006).conflict_statistics);
    EXPECT_FALSE(replication_features(170010, 170012).conflict_statistics);
}

TEST(ReplicationFeatures, OptionsAndSlotFollowTheFeatures) {
    EXPECT_EQ(subscription_options(replication_features(130023, 150018)), ", streaming = on");
    EXPECT_EQ(subscription_options(replication_features(180004, 180006)),
              ", streaming = parallel, failover = true");
    EXPECT_EQ(create_slot_sql("ivory_s", replication_features(130023, 180006)),
              "SELECT pg_catalog.pg_create_logical_replication_slot('ivory_s', 'pgoutput')");
    EXPECT_EQ(create_slot_sql("ivory_s", replication_features(180004, 180006)),
              "SELECT pg_catalog.pg_create_logical_replication_slot('ivory_s', 'pgoutput', "
              "false, false, true)");
}

TEST(ReplicationFeatures, TheInitialCopysSlotIsTemporaryInEachSyntax) {
    EXPECT_EQ(
        create_temporary_exported_slot_command("ivory_copy_1", 130023),
        "CREATE_REPLICATION_SLOT \"ivory_copy_1\" TEMPORARY LOGICAL pgoutput EXPORT_SNAPSHOT");
    EXPECT_EQ(create_temporary_exported_slot_command("ivory_copy_1", 180004),
              "CREATE_REPLICATION_SLOT \"ivory_copy_1\" TEMPORARY LOGICAL pgoutput (SNAPSHOT "
              "'export')");
}

TEST(ReplicationFeatures, TheirStatusWordsReadBack) {
    for (StatusItem item : {StatusItem::feature, StatusItem::conflicts})
        EXPECT_EQ(parse_status_item(item_word(item)), item);
    for (ItemState state : {ItemState::used, ItemState::none, ItemState::seen})
        EXPECT_EQ(parse_item_state(state_word(state)), state);
}
