#include <gtest/gtest.h>

#include "../../src/core/ddl_tracking.hpp"
#include "../../src/core/schema_drift.hpp"

using namespace ivory;

namespace {

SchemaDifference missing_on_target(std::string type, std::string name) {
    return {std::move(type), std::move(name), "", std::string(), std::nullopt};
}

} // namespace

TEST(SchemaDrift, NoDifferenceNoEntry) {
    EXPECT_TRUE(schema_drift_entries({}, false).empty());
}

TEST(SchemaDrift, ATableOrColumnOnTheSourceOnlyStopsTheApply) {
    const auto entries = schema_drift_entries(
        {missing_on_target("table", "public.newer"), missing_on_target("column", "public.t.c")},
        false);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].item, StatusItem::schema);
    EXPECT_EQ(entries[0].state, ItemState::differs);
    EXPECT_EQ(entries[0].severity, Severity::error);
    EXPECT_EQ(entries[0].name, "table public.newer");
    EXPECT_NE(entries[0].detail.find("replication start --refresh"), std::string::npos);
    EXPECT_EQ(entries[1].severity, Severity::error);
    EXPECT_NE(entries[1].detail.find("missing replicated column"), std::string::npos);
}

TEST(SchemaDrift, OtherDifferencesAreWarnings) {
    SchemaDifference type{"column", "public.t.c", "type", "bigint", "integer"};
    const auto entries = schema_drift_entries({type, missing_on_target("index", "public.i")}, false);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].severity, Severity::warning);
    EXPECT_NE(entries[0].detail.find("bigint on source, integer on target"), std::string::npos);
    EXPECT_EQ(entries[1].severity, Severity::warning);
}

TEST(SchemaDrift, PendingDdlMakesEveryDifferenceAWarning) {
    const auto entries = schema_drift_entries({missing_on_target("table", "public.newer")}, true);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].severity, Severity::warning);
    EXPECT_NE(entries[0].detail.find("recorded DDL command"), std::string::npos);
}

TEST(SchemaDrift, AtMostTenNamedThenCounted) {
    std::vector<SchemaDifference> many;
    for (int i = 0; i < 13; ++i)
        many.push_back(missing_on_target("index", "public.i" + std::to_string(i)));
    const auto entries = schema_drift_entries(many, false);
    ASSERT_EQ(entries.size(), named_schema_differences + 1);
    EXPECT_EQ(entries.back().name, "more");
    EXPECT_NE(entries.back().detail.find("3 more"), std::string::npos);
}

TEST(DdlTracking, InstallIsIdempotentAndGrantsTheLogin) {
    const auto statements = ddl_tracking_install("ivory_replicator", "ivory managed");
    std::string all;
    for (const std::string &statement : statements)
        all += statement + ";\n";
    EXPECT_NE(all.find("CREATE SCHEMA IF NOT EXISTS ivory"), std::string::npos);
    EXPECT_NE(all.find("CREATE TABLE IF NOT EXISTS ivory.ddl_commands"), std::string::npos);
    EXPECT_NE(all.find("CREATE UNLOGGED TABLE IF NOT EXISTS ivory.ddl_failures"),
              std::string::npos);
    EXPECT_NE(all.find("ON ivory.ddl_failures TO \"ivory_replicator\""), std::string::npos);
    EXPECT_NE(all.find("ON ddl_command_end"), std::string::npos);
    EXPECT_NE(all.find("ON sql_drop"), std::string::npos);
    // CREATE TABLE AS is recorded before its rows reach the stream.
    EXPECT_NE(all.find("ddl_command_start WHEN TAG IN ('CREATE TABLE AS', 'SELECT INTO')"),
              std::string::npos);
    // The recording reads the caller's search_path before pinning its own.
    EXPECT_LT(all.find("caller_path pg_catalog.text := pg_catalog.current_setting('search_path')"),
              all.find("set_config('search_path', 'pg_catalog, pg_temp', true)"));
}

TEST(DdlTracking, RemovalTakesEverythingAway) {
    std::string all;
    for (const std::string &statement : ddl_tracking_removal())
        all += statement + ";\n";
    EXPECT_NE(all.find("DROP EVENT TRIGGER IF EXISTS ivory_record_ddl;"), std::string::npos);
    EXPECT_NE(all.find("DROP EVENT TRIGGER IF EXISTS ivory_record_ddl_start;"), std::string::npos);
    EXPECT_NE(all.find("DROP EVENT TRIGGER IF EXISTS ivory_note_dropped;"), std::string::npos);
    EXPECT_NE(all.find("DROP SCHEMA IF EXISTS ivory CASCADE"), std::string::npos);
}

TEST(DdlTracking, FailuresAreQuotedAndCounted) {
    const std::string upsert = ddl_failure_upsert(7, "my sub", "relation \"x\" isn't there");
    EXPECT_NE(upsert.find("'my sub', 7,"), std::string::npos);
    EXPECT_NE(upsert.find("'relation \"x\" isn''t there'"), std::string::npos);
    EXPECT_NE(upsert.find("attempts = ivory.ddl_failures.attempts + 1"), std::string::npos);
    EXPECT_EQ(ddl_failure_removal(7, "it's"),
              "DELETE FROM ivory.ddl_failures WHERE subscription = 'it''s' AND id = 7");
}
