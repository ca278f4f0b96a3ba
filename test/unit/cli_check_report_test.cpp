// How a row of ivory.check() is logged and whether it fails the command.
#include <gtest/gtest.h>

#include "../../cli/check_report.hpp"

using namespace ivory::cli;

TEST(CliCheckReport, PassedCheckIsDebug) {
    const CheckRow row{"wal_level", "the source has wal_level = logical", "error", true, ""};
    EXPECT_EQ(log_level_of(row), LogLevel::debug);
    EXPECT_FALSE(fails_command(row));
    EXPECT_EQ(log_message_of(row), "wal_level: the source has wal_level = logical: ok");
}

TEST(CliCheckReport, FailedErrorIsErrorWithDetail) {
    const CheckRow row{"wal_level", "the source has wal_level = logical", "error", false,
                       "wal_level is replica; set it to logical and restart"};
    EXPECT_EQ(log_level_of(row), LogLevel::error);
    EXPECT_TRUE(fails_command(row));
    EXPECT_EQ(log_message_of(row), "wal_level: the source has wal_level = logical: wal_level is "
                                   "replica; set it to logical and restart");
}

TEST(CliCheckReport, FailedWarningIsWarningAndDoesNotFail) {
    const CheckRow row{"sequences", "sequence values are not replicated", "warning", false,
                       std::nullopt};
    EXPECT_EQ(log_level_of(row), LogLevel::warning);
    EXPECT_FALSE(fails_command(row));
    EXPECT_EQ(log_message_of(row), "sequences: sequence values are not replicated");
}

TEST(CliCheckReport, UnknownSeverityCountsAsError) {
    const CheckRow row{"new", "a future check", "fatal", false, std::nullopt};
    EXPECT_TRUE(fails_command(row));
    EXPECT_EQ(log_level_of(row), LogLevel::error);
}
