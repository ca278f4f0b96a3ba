// How a row of ivory.check() is logged and whether it fails the command.
#include <gtest/gtest.h>

#include "../../cli/check_report.hpp"

using namespace ivory;
using namespace ivory::cli;

TEST(CliCheckReport, PassedCheckIsDebug) {
    const CheckResult row{"wal_level", "the source has wal_level = logical", Severity::error, true,
                          ""};
    EXPECT_EQ(log_level_of(row), LogLevel::debug);
    EXPECT_FALSE(fails_command(row));
    EXPECT_EQ(log_message_of(row), "wal_level: the source has wal_level = logical: ok");
}

TEST(CliCheckReport, FailedErrorIsErrorWithDetail) {
    const CheckResult row{"wal_level", "the source has wal_level = logical", Severity::error, false,
                          "wal_level is replica; set it to logical and restart"};
    EXPECT_EQ(log_level_of(row), LogLevel::error);
    EXPECT_TRUE(fails_command(row));
    EXPECT_EQ(log_message_of(row), "wal_level: the source has wal_level = logical: wal_level is "
                                   "replica; set it to logical and restart");
}

TEST(CliCheckReport, FailedWarningIsWarningAndDoesNotFail) {
    const CheckResult row{"sequences", "sequence values are not replicated", Severity::warning,
                          false, ""};
    EXPECT_EQ(log_level_of(row), LogLevel::warning);
    EXPECT_FALSE(fails_command(row));
    EXPECT_EQ(log_message_of(row), "sequences: sequence values are not replicated");
}

TEST(CliCheckReport, UnknownSeverityWordCountsAsError) {
    // What the CLI reads a severity word it does not know as.
    EXPECT_FALSE(parse_severity("fatal").has_value());
    const CheckResult row{"new", "a future check",
                          parse_severity("fatal").value_or(Severity::error), false, ""};
    EXPECT_TRUE(fails_command(row));
    EXPECT_EQ(log_level_of(row), LogLevel::error);
}
