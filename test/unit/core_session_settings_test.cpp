// The timeouts ivory turns off in its own sessions, by server version, and the
// query that sets them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../src/core/session_settings.hpp"

using namespace ivory;

namespace {

std::vector<std::string> names(const std::vector<SessionSetting> &settings) {
    std::vector<std::string> result;
    for (const auto &[name, value] : settings) {
        EXPECT_EQ(value, "0") << name;
        result.push_back(name);
    }
    return result;
}

} // namespace

TEST(UnboundedSessionSettings, EachVersionGetsTheTimeoutsItHas) {
    const std::vector<std::string> common = {"statement_timeout", "lock_timeout",
                                             "idle_in_transaction_session_timeout"};
    EXPECT_EQ(names(unbounded_session_settings(120022)), common);
    EXPECT_EQ(names(unbounded_session_settings(130023)), common);

    std::vector<std::string> fourteen = common;
    fourteen.push_back("idle_session_timeout");
    EXPECT_EQ(names(unbounded_session_settings(140000)), fourteen);
    EXPECT_EQ(names(unbounded_session_settings(160014)), fourteen);

    std::vector<std::string> seventeen = fourteen;
    seventeen.push_back("transaction_timeout");
    EXPECT_EQ(names(unbounded_session_settings(170000)), seventeen);
    EXPECT_EQ(names(unbounded_session_settings(190000)), seventeen);
}

TEST(SetConfigQuery, OneCallPerSettingInOrder) {
    EXPECT_EQ(set_config_query({{"statement_timeout", "0"}, {"search_path", ""}}),
              "SELECT pg_catalog.set_config('statement_timeout', '0', false), "
              "pg_catalog.set_config('search_path', '', false)");
    EXPECT_EQ(set_config_query({{"application_name", "it's"}}),
              "SELECT pg_catalog.set_config('application_name', 'it''s', false)");
}

TEST(StartupOptions, OnlyTheLimitsEveryServerKnows) {
    EXPECT_EQ(startup_options(), "-c statement_timeout=0 -c lock_timeout=0 "
                                 "-c idle_in_transaction_session_timeout=0");
}
