// How `ivory replication` reports the rows of the ivory.replication_* functions.
#include <gtest/gtest.h>

#include "../../cli/replication_report.hpp"
#include "status_entries.hpp"

using namespace ivory;
using namespace ivory::cli;

namespace {

StatusEntry subscription_row(const std::string &state, const std::string &severity) {
    return status_entry("subscription", "ivory_subscription", state, severity,
                        "replication is " + state);
}

StatusEntry table_row(const std::string &name, const std::string &state,
                      const std::string &severity) {
    return status_entry("table", name, state, severity);
}

std::vector<std::string> messages(const StatusReport &report) {
    std::vector<std::string> result;
    for (const StatusLine &line : report.lines)
        result.push_back(line.message);
    return result;
}

} // namespace

TEST(CliReplicationReport, ActionMessage) {
    EXPECT_EQ(action_message("role", "ivory_replicator", "created"),
              "role ivory_replicator: created");
    EXPECT_EQ(action_message("tables", "3", "registered"), "tables 3: registered");
    EXPECT_EQ(action_message("role", "app", "used"),
              "role app: used as the subscription's login (not a superuser: ivory makes no role "
              "on the source)");
}

TEST(CliReplicationReport, AllReadyIsReadyAndInfo) {
    const StatusReport report =
        report_status({subscription_row("enabled", "ok"), table_row("public.a", "ready", "ok"),
                       table_row("public.b", "ready", "ok")},
                      false);
    EXPECT_TRUE(report.ready);
    EXPECT_EQ(messages(report),
              (std::vector<std::string>{
                  "subscription ivory_subscription: enabled - replication is enabled",
                  "table public.a: ready", "table public.b: ready",
                  "replication is ready: 2 of 2 tables ready"}));
    for (const StatusLine &line : report.lines)
        EXPECT_EQ(line.level, LogLevel::info) << line.message;
}

TEST(CliReplicationReport, CopyingTableShowsPercentAndBytes) {
    StatusEntry big = table_row("public.big", "copying", "error");
    big.bytes_copied = 120LL * 1024 * 1024;
    big.bytes_total = 265LL * 1024 * 1024;
    const StatusReport report = report_status({subscription_row("enabled", "ok"), big}, false);
    EXPECT_FALSE(report.ready);
    EXPECT_EQ(report.lines.at(1).message, "table public.big: copying 45.3% (120 MB of 265 MB)");
    EXPECT_EQ(report.lines.at(1).level, LogLevel::info);
    EXPECT_EQ(report.lines.back().message,
              "replication is not ready yet: 0 of 1 table ready, 1 copying");
    EXPECT_EQ(report.lines.back().level, LogLevel::warning);
}

TEST(CliReplicationReport, PercentOfBytesCopiedOrNone) {
    StatusEntry big = table_row("public.big", "copying", "error");
    big.bytes_copied = 512;
    big.bytes_total = 2048;
    EXPECT_EQ(report_status({big}, false).lines.at(0).message,
              "table public.big: copying 25.0% (512 bytes of 2.0 kB)");
    big.bytes_total.reset();
    EXPECT_EQ(report_status({big}, false).lines.at(0).message,
              "table public.big: copying (512 bytes copied)");
}

TEST(CliReplicationReport, TablesInProgressComeLast) {
    const StatusReport report = report_status(
        {table_row("public.a", "initializing", "error"), table_row("public.b", "copying", "error"),
         table_row("public.c", "ready", "ok"), table_row("public.d", "synchronized", "error")},
        false);
    EXPECT_EQ(messages(report),
              (std::vector<std::string>{
                  "table public.c: ready", "table public.d: synchronized",
                  "table public.b: copying", "table public.a: initializing",
                  "replication is not ready yet: 1 of 4 tables ready, 1 synchronized, 1 "
                  "copying, 1 initializing"}));
}

TEST(CliReplicationReport, CollapseInitializingFoldsThemIntoOneLine) {
    std::vector<StatusEntry> rows = {table_row("public.done", "ready", "ok")};
    for (int table = 0; table < 37; ++table)
        rows.push_back(table_row("public.t" + std::to_string(table), "initializing", "error"));
    const StatusReport collapsed = report_status(rows, true);
    EXPECT_EQ(messages(collapsed),
              (std::vector<std::string>{
                  "table public.done: ready", "37 tables initializing",
                  "replication is not ready yet: 1 of 38 tables ready, 37 initializing"}));
    EXPECT_EQ(report_status(rows, false).lines.size(), 39u);
    EXPECT_EQ(
        messages(report_status({table_row("public.x", "initializing", "error")}, true)).front(),
        "1 table initializing");
}

TEST(CliReplicationReport, OtherErrorsAreErrorsAndNamedInTheSummary) {
    const StatusReport report = report_status(
        {subscription_row("disabled", "error"),
         status_entry("slot", "ivory_subscription", "inactive", "error", "no subscriber"),
         table_row("public.a", "ready", "ok")},
        false);
    EXPECT_FALSE(report.ready);
    EXPECT_EQ(report.lines.at(0).level, LogLevel::error);
    EXPECT_EQ(report.lines.at(1).message, "slot ivory_subscription: inactive - no subscriber");
    EXPECT_EQ(report.lines.back().level, LogLevel::error);
    EXPECT_EQ(report.lines.back().message,
              "replication is not ready: subscription ivory_subscription disabled; slot "
              "ivory_subscription inactive; 1 of 1 table ready");
}

TEST(CliReplicationReport, WarningsDoNotFail) {
    const StatusReport report =
        report_status({status_entry("sync slot", "pg_1_sync_2", "active", "warning",
                                    "a table is being copied through this slot")},
                      false);
    EXPECT_TRUE(report.ready);
    EXPECT_EQ(report.lines.at(0).level, LogLevel::warning);
    EXPECT_EQ(report.lines.back().message, "replication is ready: 0 of 0 tables ready");
}

TEST(CliReplicationReport, UnknownSeverityCountsAsError) {
    const StatusReport report = report_status({subscription_row("enabled", "fatal")}, false);
    EXPECT_FALSE(report.ready);
    EXPECT_EQ(report.lines.at(0).level, LogLevel::error);
}
