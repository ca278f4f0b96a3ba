// ivory switchover --report: the evidence document and its Markdown.
#include <gtest/gtest.h>

#include "../../cli/switchover_report.hpp"

using namespace ivory::cli;
using Json = nlohmann::ordered_json;

namespace {

SwitchoverReportInput sample(bool dry_run) {
    SwitchoverReportInput input;
    input.dry_run = dry_run;
    input.generated_at = "2026-12-07 10:00:00 UTC";
    input.source = "host=src dbname=app user=ivory";
    input.target = "host=dst dbname=app user=ivory";
    input.checks = Json::parse(R"([{"checker": "wal_level", "description": "wal_level is logical",
        "severity": "error", "ok": true, "detail": "logical"}])");
    input.steps = Json::parse(R"json([
        {"step": "check blockers", "seconds": 0.01, "detail": "would stop before the lock: x",
         "evidence": {"blocking": ["app (pid 7): idle in transaction for 3 s"], "worth_a_word": []}},
        {"step": "verify data online", "seconds": 1.5, "detail": "1 table(s) match",
         "evidence": {"tables": [{"table": "public.a|b", "source_rows": 10, "target_rows": 10,
             "matches": true, "detail": "same rows", "source_hash": "-123", "target_hash": "-123",
             "row_hash": "pg_catalog.hashtextextended(t::pg_catalog.text, 0)"}]}},
        {"step": "wait for final position", "seconds": 0.2, "detail": "confirmed up to 0/16B3748",
         "evidence": {"lsn": "0/16B3748"}},
        {"step": "source read-only", "seconds": 0.25, "detail": "", "evidence": null},
        {"step": "total", "seconds": 2.0, "detail": "", "evidence": null}])json");
    return input;
}

} // namespace

TEST(CliSwitchoverReport, DocumentOfARealSwitchover) {
    const Json report = switchover_report(sample(false));
    EXPECT_EQ(report["outcome"], "completed");
    EXPECT_EQ(report["switch_lsn"], "0/16B3748");
    EXPECT_EQ(report["read_only_seconds"], 0.25);
    EXPECT_TRUE(report["error"].is_null());
    ASSERT_EQ(report["verify"].size(), 1u);
    EXPECT_EQ(report["verify"][0]["step"], "verify data online");
    EXPECT_EQ(report["verify"][0]["tables"][0]["source_hash"], "-123");
    EXPECT_EQ(report["steps"].size(), 5u);
    EXPECT_FALSE(report["steps"][0].contains("evidence"));
    EXPECT_EQ(report["checks"][0]["checker"], "wal_level");
    EXPECT_EQ(report["blockers"]["blocking"][0], "app (pid 7): idle in transaction for 3 s");
}

TEST(CliSwitchoverReport, DocumentOfARehearsalAndOfAFailure) {
    const Json rehearsal = switchover_report(sample(true));
    EXPECT_EQ(rehearsal["outcome"], "rehearsed: nothing was locked or changed");
    EXPECT_EQ(rehearsal["position_rehearsed"], "0/16B3748");
    EXPECT_EQ(rehearsal["forecast_read_only_seconds"], 0.25);
    EXPECT_FALSE(rehearsal.contains("switch_lsn"));

    SwitchoverReportInput failed = sample(false);
    failed.steps = Json::array();
    failed.error = "ERROR:  switchover stopped before the lock";
    const Json report = switchover_report(failed);
    EXPECT_EQ(report["outcome"], "failed");
    EXPECT_EQ(report["error"], "ERROR:  switchover stopped before the lock");
    EXPECT_TRUE(report["switch_lsn"].is_null());
    EXPECT_TRUE(report["verify"].empty());
}

TEST(CliSwitchoverReport, Markdown) {
    const std::string text = switchover_report_markdown(switchover_report(sample(false)));
    EXPECT_NE(text.find("# ivory switchover: report\n"), std::string::npos);
    EXPECT_NE(text.find("- Switch position (LSN): 0/16B3748\n"), std::string::npos);
    EXPECT_NE(text.find("- Read-only window: 0.25 s\n"), std::string::npos);
    EXPECT_NE(text.find("| wal_level | error | yes | logical |"), std::string::npos);
    EXPECT_NE(text.find("- blocks: app (pid 7): idle in transaction for 3 s"), std::string::npos);
    // A bar in a name does not split the cell.
    EXPECT_NE(text.find("| public.a\\|b | 10 | 10 | yes | -123 | -123 | same rows |"),
              std::string::npos);
    EXPECT_NE(text.find("`sum(pg_catalog.hashtextextended(t::pg_catalog.text, 0))`"),
              std::string::npos);
    const std::string rehearsal = switchover_report_markdown(switchover_report(sample(true)));
    EXPECT_NE(rehearsal.find("rehearsal (--dry-run)"), std::string::npos);
    EXPECT_NE(rehearsal.find("- Forecast read-only window: 0.25 s"), std::string::npos);
}
