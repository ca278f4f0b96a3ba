#include "session_settings.hpp"

#include "quote.hpp"
#include "strings.hpp"

namespace ivory {

std::vector<SessionSetting> unbounded_session_settings(int server_version_num) {
    std::vector<SessionSetting> settings = {{"statement_timeout", "0"},
                                            {"lock_timeout", "0"},
                                            {"idle_in_transaction_session_timeout", "0"}};
    if (server_version_num >= 140000)
        settings.emplace_back("idle_session_timeout", "0");
    if (server_version_num >= 170000)
        settings.emplace_back("transaction_timeout", "0");
    return settings;
}

std::string startup_options() {
    // Those of unbounded_session_settings that every server of any version
    // knows: an unknown name in the startup packet would refuse the login.
    std::vector<std::string> switches;
    for (const auto &[name, value] : unbounded_session_settings(0))
        switches.push_back("-c " + name + "=" + value);
    return join(switches, " ");
}

std::string set_config_query(const std::vector<SessionSetting> &settings) {
    std::vector<std::string> calls;
    calls.reserve(settings.size());
    for (const auto &[name, value] : settings)
        calls.push_back("pg_catalog.set_config(" + quote_literal(name) + ", " +
                        quote_literal(value) + ", false)");
    return "SELECT " + join(calls, ", ");
}

} // namespace ivory
