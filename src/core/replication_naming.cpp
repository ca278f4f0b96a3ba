#include "replication_naming.hpp"

#include <cstdio>
#include <ctime>
#include <iterator>
#include <utility>
#include <vector>

#include "conninfo.hpp"
#include "quote.hpp"

namespace ivory {

std::string slot_name_for(const std::string &subscription_name) {
    std::string slot;
    for (char c : subscription_name) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
            slot += c;
        else if (c >= 'A' && c <= 'Z')
            slot += static_cast<char>(c - 'A' + 'a');
        else
            slot += '_';
        if (slot.size() == 63)
            break;
    }
    return slot.empty() ? "ivory_subscription" : slot;
}

std::string subscription_conninfo(const std::string &source_conninfo, const std::string &password) {
    return subscription_conninfo(source_conninfo, replication_role, password);
}

std::string subscription_conninfo(const std::string &source_conninfo, const std::string &role,
                                  const std::string &password) {
    std::string conninfo =
        conninfo_without(conninfo_without(conninfo_without(source_conninfo, "password"), "user"),
                         "application_name");
    std::vector<std::pair<std::string, std::string>> pairs = {{"user", role}};
    if (!password.empty())
        pairs.emplace_back("password", password);
    pairs.emplace_back("application_name", replication_role);
    const std::string login = conninfo_from_pairs(pairs);
    return conninfo + (conninfo.empty() ? "" : " ") + login;
}

std::string password_from_random_bytes(const unsigned char *bytes, size_t count) {
    static const char digits[] = "0123456789abcdef";
    std::string password;
    for (size_t i = 0; i < count; ++i) {
        password += digits[bytes[i] >> 4];
        password += digits[bytes[i] & 0x0f];
    }
    return password;
}

std::string managed_comment(const std::string &utc_timestamp) {
    return "ivory managed (created on " + utc_timestamp + ")";
}

std::string managed_comment_now() {
    const std::time_t now = std::time(nullptr);
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
    return managed_comment(text);
}

bool is_managed_comment(const std::string &comment) {
    static const std::string prefix = "ivory managed (";
    return comment.compare(0, prefix.size(), prefix) == 0;
}

std::string subscription_state_name(char state) {
    switch (state) {
    case 'i':
        return "initializing";
    case 'd':
        return "copying";
    case 'f':
        return "copied";
    case 's':
        return "synchronized";
    case 'r':
        return "ready";
    default:
        return std::string("unknown state ") + state;
    }
}

std::string drop_slot_sql(const std::string &slot) {
    return "SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM "
           "pg_catalog.pg_replication_slots WHERE slot_name = " +
           quote_literal(slot);
}

std::string sql_identifier(const std::string &name) {
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"')
            quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

} // namespace ivory
