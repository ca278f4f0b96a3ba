#include "conninfo.hpp"

#include "../src/core/conninfo.hpp"

namespace ivory::cli {

Keywords connection_keywords(const ConnectionOptions &options) {
    const Keywords all = {{"host", options.host},
                          {"port", options.port},
                          {"user", options.user},
                          {"password", options.password},
                          {"dbname", options.dbname}};
    Keywords set;
    for (const auto &keyword : all)
        if (!keyword.second.empty())
            set.push_back(keyword);
    return set;
}

std::string build_conninfo(const ConnectionOptions &options) {
    return conninfo_from_pairs(connection_keywords(options));
}

std::string describe_connection(const Keywords &keywords) {
    std::string description;
    for (const auto &[keyword, value] : keywords) {
        if (keyword == "password")
            continue;
        const bool plain =
            !value.empty() && value.find_first_of(" \t\n\r\f\v'\\") == std::string::npos;
        if (!description.empty())
            description += ' ';
        description += keyword + "=" + (plain ? value : quote_conninfo_value(value));
    }
    return description.empty() ? "(libpq defaults)" : description;
}

} // namespace ivory::cli
