#include "conninfo.hpp"

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

std::string quote_conninfo_value(std::string_view value) {
    std::string quoted = "'";
    for (char c : value) {
        if (c == '\\' || c == '\'')
            quoted += '\\';
        quoted += c;
    }
    return quoted + "'";
}

std::string build_conninfo(const ConnectionOptions &options) {
    std::string conninfo;
    for (const auto &[keyword, value] : connection_keywords(options)) {
        if (!conninfo.empty())
            conninfo += ' ';
        conninfo += keyword + "=" + quote_conninfo_value(value);
    }
    return conninfo;
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
