// Log lines: the original tool's format, the threshold, and no passwords.
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "../../cli/log.hpp"

using namespace ivory::cli;

namespace {

const std::regex
    log_line(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} \| (DEBUG|INFO|WARNING|ERROR|CRITICAL) *)"
             R"( \| [a-z.]+ \| .*)");

// Captures what loggers write, and restores the process-wide settings after.
class CliLogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        set_log_sink(captured);
        set_log_threshold(LogLevel::info);
        clear_log_secrets();
    }
    void TearDown() override {
        set_log_sink(std::cerr);
        set_log_threshold(LogLevel::info);
        clear_log_secrets();
    }
    std::vector<std::string> lines() const {
        std::vector<std::string> result;
        std::istringstream in(captured.str());
        for (std::string line; std::getline(in, line);)
            result.push_back(line);
        return result;
    }
    std::ostringstream captured;
};

} // namespace

TEST_F(CliLogTest, FormatMatchesTheOriginal) {
    for (LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warning, LogLevel::error,
                           LogLevel::critical}) {
        const std::string line =
            format_log_line(std::chrono::system_clock::now(), level, "ivory.check", "hello");
        EXPECT_TRUE(std::regex_match(line, log_line)) << line;
    }
}

TEST_F(CliLogTest, LevelIsPaddedToEightCharacters) {
    const auto now = std::chrono::system_clock::now();
    EXPECT_NE(format_log_line(now, LogLevel::info, "ivory", "m").find(" | INFO     | ivory | m"),
              std::string::npos);
    EXPECT_NE(format_log_line(now, LogLevel::warning, "ivory", "m").find(" | WARNING  | "),
              std::string::npos);
    EXPECT_NE(format_log_line(now, LogLevel::critical, "ivory", "m").find(" | CRITICAL | "),
              std::string::npos);
}

TEST_F(CliLogTest, TimestampIsLocalTimeWithMilliseconds) {
    std::tm local{};
    local.tm_year = 2024 - 1900;
    local.tm_mon = 4;
    local.tm_mday = 1;
    local.tm_hour = 13;
    local.tm_min = 2;
    local.tm_sec = 3;
    local.tm_isdst = -1;
    const auto when =
        std::chrono::system_clock::from_time_t(std::mktime(&local)) + std::chrono::milliseconds(7);
    EXPECT_EQ(format_log_line(when, LogLevel::error, "ivory.check", "boom"),
              "2024-05-01 13:02:03,007 | ERROR    | ivory.check | boom");
}

TEST_F(CliLogTest, LevelNames) {
    EXPECT_EQ(parse_log_level("DEBUG"), LogLevel::debug);
    EXPECT_EQ(parse_log_level("warning"), LogLevel::warning);
    EXPECT_EQ(parse_log_level("Critical"), LogLevel::critical);
    EXPECT_FALSE(parse_log_level("WARN"));
    EXPECT_FALSE(parse_log_level(""));
    EXPECT_EQ(log_level_name(LogLevel::error), "ERROR");
}

TEST_F(CliLogTest, MessagesBelowTheThresholdAreSuppressed) {
    set_log_threshold(LogLevel::warning);
    const Logger log("ivory.check");
    log.debug("debug");
    log.info("info");
    log.warning("warning");
    log.error("error");
    const auto written = lines();
    ASSERT_EQ(written.size(), 2u);
    EXPECT_NE(written[0].find("| WARNING  | ivory.check | warning"), std::string::npos);
    EXPECT_NE(written[1].find("| ERROR    | ivory.check | error"), std::string::npos);
}

TEST_F(CliLogTest, EveryLineOfAMultiLineMessageHasTheFormat) {
    Logger("ivory.check").error("first\nDETAIL: second\n\tthird");
    const auto written = lines();
    ASSERT_EQ(written.size(), 3u);
    for (const std::string &line : written)
        EXPECT_TRUE(std::regex_match(line, log_line)) << line;
    EXPECT_NE(written[2].find("| ivory.check | \tthird"), std::string::npos);
}

TEST_F(CliLogTest, PasswordsAreMasked) {
    add_log_secret("hunter2-source");
    add_log_secret("t0p-target");
    add_log_secret("");
    Logger("ivory.check").error("password=hunter2-source failed; also t0p-target");
    const std::string text = captured.str();
    EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
    EXPECT_EQ(text.find("t0p-target"), std::string::npos) << text;
    EXPECT_NE(text.find("password=******** failed; also ********"), std::string::npos) << text;
}
