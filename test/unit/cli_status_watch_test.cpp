// `replication status --watch`: the bar, the durations, and the screen with
// each copied table's rate and time left from two samples.
#include <gtest/gtest.h>

#include "../../cli/status_watch.hpp"
#include "status_entries.hpp"

using namespace ivory;
using namespace ivory::cli;

namespace {

StatusEntry table(const std::string &name, const std::string &state,
                  std::optional<long long> copied = std::nullopt,
                  std::optional<long long> total = std::nullopt) {
    return status_entry("table", name, state, "ok", "", copied, total);
}

TEST(CliStatusWatch, ProgressBarFillsInProportion) {
    EXPECT_EQ(progress_bar(0, 10), "[..........]");
    EXPECT_EQ(progress_bar(45.2, 10), "[####......]");
    EXPECT_EQ(progress_bar(100, 10), "[##########]");
    EXPECT_EQ(progress_bar(250, 4), "[####]");
    EXPECT_EQ(progress_bar(-3, 4), "[....]");
}

TEST(CliStatusWatch, DurationsForPeople) {
    EXPECT_EQ(human_duration(0.4), "0 s");
    EXPECT_EQ(human_duration(45), "45 s");
    EXPECT_EQ(human_duration(200), "3 min 20 s");
    EXPECT_EQ(human_duration(7500), "2 h 5 min");
}

TEST(CliStatusWatch, FirstScreenHasNoRateYet) {
    const std::vector<StatusEntry> rows = {
        status_entry("subscription", "ivory_subscription", "disabled", "error",
                     "the initial copy runs"),
        table("public.big", "copying", 50LL << 20, 100LL << 20),
        table("public.small", "ready"),
        table("public.waiting", "initializing"),
    };
    const std::vector<std::string> lines = watch_lines(rows, std::nullopt, 10);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "public.big  [###############...............]  50.0%  50 MB of 100 MB");
    EXPECT_EQ(lines[1], "1 of 3 tables ready");
    EXPECT_EQ(lines[2], "error: subscription ivory_subscription: disabled - the initial copy runs");
}

TEST(CliStatusWatch, RateAndTimeLeftFromThePreviousSample) {
    const WatchSample before =
        sample_of({table("public.big", "copying", 10LL << 20, 110LL << 20)}, 100);
    const std::vector<StatusEntry> rows = {
        table("public.big", "copying", 30LL << 20, 110LL << 20),
        status_entry("lag", "ivory_subscription", "current", "ok",
                     "0 bytes of WAL not yet confirmed"),
    };
    const std::vector<std::string> lines = watch_lines(rows, before, 102);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "public.big  [########......................]  27.3%  30 MB of 110 MB  "
                        "10 MB/s  about 8 s left");
    EXPECT_EQ(lines[1], "0 of 1 table ready");
    EXPECT_EQ(lines[2], "lag: 0 bytes of WAL not yet confirmed");
}

TEST(CliStatusWatch, NoRateForATableNewToTheSampleOrGoneBackwards) {
    const WatchSample before = sample_of({table("public.a", "copying", 500, 1000)}, 0);
    const std::vector<std::string> lines = watch_lines(
        {table("public.a", "copying", 100, 1000), table("public.b", "copying", 10, 1000)}, before,
        1);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0].find("/s"), std::string::npos);
    EXPECT_EQ(lines[1].find("/s"), std::string::npos);
}

} // namespace
