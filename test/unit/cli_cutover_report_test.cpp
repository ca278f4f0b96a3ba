// How `ivory syncsequences`, `ivory verify` and `ivory switchover` report the
// rows of their functions, and the text[] literal of --sequence-offset.
#include <gtest/gtest.h>

#include <cmath>

#include "../../cli/cutover_report.hpp"

using namespace ivory;
using namespace ivory::cli;

TEST(CliCutoverReport, TextArrayLiteral) {
    EXPECT_EQ(text_array_literal({}), "{}");
    EXPECT_EQ(text_array_literal({"public.s:5"}), "{\"public.s:5\"}");
    EXPECT_EQ(text_array_literal({"a:1", "b:-2"}), "{\"a:1\",\"b:-2\"}");
    // Quotes, backslashes, commas, braces and spaces survive array_in.
    EXPECT_EQ(text_array_literal({"\"My Seq\":7", "x\\y:1", "{a,b}:2"}),
              "{\"\\\"My Seq\\\":7\",\"x\\\\y:1\",\"{a,b}:2\"}");
    EXPECT_EQ(text_array_literal({""}), "{\"\"}");
}

TEST(CliCutoverReport, SqlDouble) {
    EXPECT_EQ(sql_double(1), "1");
    EXPECT_EQ(sql_double(2.5), "2.5");
    EXPECT_EQ(sql_double(0), "0");
    EXPECT_EQ(std::stod(sql_double(0.1)), 0.1);
}

TEST(CliCutoverReport, SequenceMessage) {
    EXPECT_EQ(sequence_message({"public.orders_id_seq", 1003, 1103, "set"}),
              "sequence public.orders_id_seq: set to 1103 (source at 1003)");
    EXPECT_EQ(sequence_message({"s", 3, 3, "would set"}),
              "sequence s: would set to 3 (source at 3)");
    EXPECT_EQ(sequence_message({"s", std::nullopt, 101, "set"}),
              "sequence s: set to 101 (source not used yet)");
    EXPECT_EQ(sequence_message({"s", 1, std::nullopt, ""}), "sequence s: set to ? (source at 1)");
}

TEST(CliCutoverReport, SequencesSummary) {
    EXPECT_EQ(sequences_summary({}, false), "the source database has no sequences");
    EXPECT_EQ(sequences_summary({{"a", 1, 2, "set"}}, false), "1 sequence set");
    EXPECT_EQ(sequences_summary({{"a", 1, 2, "set"}, {"b", 1, 2, "set"}}, false),
              "2 sequences set");
    EXPECT_EQ(sequences_summary({{"a", 1, 2, "would set"}, {"b", 1, 2, "would set"}}, true),
              "dry run: 2 sequences would be set, nothing changed");
}

TEST(CliCutoverReport, VerifyLevelAndMessage) {
    const TableVerdict match{"public.t", 100, 100, true, ""};
    EXPECT_EQ(verify_level(match), LogLevel::info);
    EXPECT_EQ(verify_message(match), "table public.t: 100 rows, matches");
    EXPECT_EQ(verify_message({"public.one", 1, 1, true, ""}), "table public.one: 1 row, matches");
    EXPECT_EQ(verify_message({"public.t", 5, 5, true, "1 range"}),
              "table public.t: 5 rows, matches - 1 range");

    const TableVerdict differs{"public.pgbench_accounts", 100000, 99999, false,
                               "aid 1 to 100000 differs"};
    EXPECT_EQ(verify_level(differs), LogLevel::error);
    EXPECT_EQ(verify_message(differs),
              "table public.pgbench_accounts: differs: 100000 rows on the source, 99999 on the "
              "target - aid 1 to 100000 differs");

    const TableVerdict changed{"public.t", 10, 9, std::nullopt, "changed on the source"};
    EXPECT_EQ(verify_level(changed), LogLevel::warning);
    EXPECT_EQ(verify_message(changed), "table public.t: not compared: changed on the source");
    EXPECT_EQ(verify_message({"public.t", std::nullopt, std::nullopt, std::nullopt, ""}),
              "table public.t: not compared: it changed on the source during the comparison");
    EXPECT_EQ(verify_message({"t", std::nullopt, 3, false, ""}),
              "table t: differs: ? rows on the source, 3 on the target");
}

TEST(CliCutoverReport, VerifyFailsOnlyOnMismatch) {
    EXPECT_FALSE(verify_fails({}));
    EXPECT_FALSE(verify_fails({{"a", 1, 1, true, ""}, {"b", 1, 2, std::nullopt, ""}}));
    EXPECT_TRUE(verify_fails({{"a", 1, 1, true, ""}, {"b", 1, 0, false, ""}}));
}

TEST(CliCutoverReport, VerifySummary) {
    EXPECT_EQ(verify_summary({}), "the publication has no tables");
    EXPECT_EQ(verify_summary({{"a", 1, 1, true, ""}}), "1 table matches");
    EXPECT_EQ(verify_summary({{"a", 1, 1, true, ""}, {"b", 2, 2, true, ""}}), "2 tables match");
    EXPECT_EQ(verify_summary({{"a", 1, 1, true, ""}, {"b", 2, 1, false, ""}}),
              "1 of 2 tables differs: b");
    EXPECT_EQ(verify_summary({{"a", 1, 0, false, ""}, {"b", 2, 1, false, ""}}),
              "2 of 2 tables differ: a, b");
    EXPECT_EQ(verify_summary({{"a", 1, 1, true, ""}, {"b", 2, 1, std::nullopt, ""}}),
              "1 of 2 tables match, 1 changed on the source during the comparison (run verify "
              "again)");
}

TEST(CliCutoverReport, Seconds) {
    EXPECT_EQ(format_seconds(1.234), "1.23 s");
    EXPECT_EQ(format_seconds(0), "0.00 s");
    EXPECT_EQ(format_seconds(125.46), "125.5 s");
    EXPECT_EQ(format_seconds(std::nullopt), "? s");
    EXPECT_EQ(format_seconds(std::nan("")), "? s");
}

TEST(CliCutoverReport, SwitchoverMessage) {
    EXPECT_EQ(switchover_message({"wait for sync", 0.5, "lag 0 bytes"}),
              "wait for sync: 0.50 s - lag 0 bytes");
    EXPECT_EQ(switchover_message({"drop replication", 1.0, ""}), "drop replication: 1.00 s");
    EXPECT_EQ(switchover_message({"source read-only", 3.456, ""}),
              "the source was read-only for 3.46 s");
    EXPECT_EQ(switchover_message({"total", 12.0, ""}), "switchover took 12.00 s");
    EXPECT_EQ(switchover_message({"target read-only", 0.25, "this database stays read-only"}),
              "the target was read-only for 0.25 s - this database stays read-only");
    EXPECT_EQ(switchover_message({"create reverse replication", 0.1, "slot s here from 0/1"}),
              "create reverse replication: 0.10 s - slot s here from 0/1");
    // A rehearsal forecasts the window.
    EXPECT_EQ(switchover_message({"source read-only", 0.5, "nothing was locked"}, true),
              "forecast: the source would be read-only for about 0.50 s - nothing was locked");
    EXPECT_EQ(switchover_message({"total", 3.0, "dry run"}, true), "the dry run took 3.00 s");
}
