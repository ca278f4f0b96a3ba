#include "hba.hpp"

#include <algorithm>
#include <array>

#include <arpa/inet.h>

#include "quote.hpp"

namespace ivory {

namespace {

using Address = std::array<unsigned char, 16>;

// Parses IPv4 (as an IPv4-mapped IPv6 address) or IPv6 text.
std::optional<Address> parse_address(const std::string &text) {
    Address bytes{};
    unsigned char v4[4];
    if (inet_pton(AF_INET, text.c_str(), v4) == 1) {
        bytes[10] = bytes[11] = 0xff;
        std::copy(v4, v4 + 4, bytes.begin() + 12);
        return bytes;
    }
    if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1)
        return bytes;
    return std::nullopt;
}

bool is_ipv4(const std::string &text) {
    unsigned char v4[4];
    return inet_pton(AF_INET, text.c_str(), v4) == 1;
}

bool contains(const std::vector<std::string> &list, const std::string &item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

bool type_matches(const HbaRule &rule, const HbaClient &client) {
    const bool local = client.client_address.empty();
    if (rule.type == "local")
        return local;
    if (local)
        return false;
    if (rule.type == "host" || rule.type == "hostnogssenc")
        return true;
    if (rule.type == "hostssl")
        return client.ssl;
    if (rule.type == "hostnossl")
        return !client.ssl;
    return false; // hostgssenc: ivory's connections do not use GSSAPI encryption
}

bool is_regex_entry(const HbaRule &rule, const std::string &entry) {
    return rule.regex_entries && entry.size() > 1 && entry[0] == '/';
}

bool database_matches(const HbaRule &rule, const HbaClient &client) {
    for (const std::string &database : rule.databases) {
        if (is_regex_entry(rule, database)) {
            if (rule.regex_database_matches)
                return true;
            continue;
        }
        if (database == "all" || database == client.database)
            return true;
        if (database == "sameuser" && client.database == client.role)
            return true;
        if ((database == "samerole" || database == "samegroup") &&
            (client.database == client.role || contains(client.role_memberships, client.database)))
            return true;
        // "replication" matches physical replication only; logical replication
        // connects to a database by name.
    }
    return false;
}

bool user_matches(const HbaRule &rule, const HbaClient &client) {
    for (const std::string &user : rule.users) {
        if (is_regex_entry(rule, user)) {
            if (rule.regex_user_matches)
                return true;
            continue;
        }
        if (user == "all" || user == client.role)
            return true;
        if (user.size() > 1 && user[0] == '+' &&
            (user.substr(1) == client.role || contains(client.role_memberships, user.substr(1))))
            return true;
    }
    return false;
}

// Host names in pg_hba.conf need DNS to evaluate; ivory treats them as not
// matching and says so in the explanation of a failed check.
bool address_matches(const HbaRule &rule, const HbaClient &client) {
    if (rule.type == "local")
        return true;
    const std::string &address = rule.address;
    if (address == "all")
        return true;
    if (address == "samehost")
        return client.client_address == client.server_address;
    if (address == "samenet") {
        // The server's interface netmasks are not visible over SQL: assume the
        // usual /24 (IPv4) or /64 (IPv6) around the server's address.
        if (client.client_address == client.server_address)
            return true;
        const bool v4 = is_ipv4(client.server_address);
        return address_in_network(client.client_address, client.server_address,
                                  v4 ? "255.255.255.0" : "ffff:ffff:ffff:ffff::");
    }
    return address_in_network(client.client_address, address, rule.netmask);
}

std::string where_from(const HbaClient &client) {
    return client.client_address.empty() ? "over the unix socket"
                                         : "from address " + client.client_address;
}

std::string suggested_line(const HbaClient &client) {
    const std::string database = quote_identifier(client.database);
    const std::string role = quote_identifier(client.role);
    if (client.client_address.empty())
        return "local   " + database + "   " + role + "   scram-sha-256";
    const std::string prefix = is_ipv4(client.client_address) ? "/32" : "/128";
    return "host    " + database + "   " + role + "   " + client.client_address + prefix +
           "   scram-sha-256";
}

} // namespace

bool address_in_network(const std::string &address, const std::string &network,
                        const std::string &netmask) {
    const auto client = parse_address(address);
    const auto base = parse_address(network);
    if (!client || !base)
        return false;
    Address mask{};
    if (netmask.empty()) {
        mask.fill(0xff); // a single address
    } else if (auto parsed = parse_address(netmask)) {
        mask = *parsed;
        if (is_ipv4(netmask)) // the mapped prefix must match as well
            std::fill(mask.begin(), mask.begin() + 12, 0xff);
    } else {
        return false;
    }
    for (size_t i = 0; i < mask.size(); ++i)
        if ((client->at(i) & mask[i]) != (base->at(i) & mask[i]))
            return false;
    return true;
}

HbaVerdict evaluate_hba(const std::vector<HbaRule> &rules, const HbaClient &client) {
    for (const HbaRule &rule : rules) {
        if (!rule.error.empty())
            continue;
        if (!type_matches(rule, client) || !database_matches(rule, client) ||
            !user_matches(rule, client) || !address_matches(rule, client))
            continue;

        const std::string line = "pg_hba.conf line " + std::to_string(rule.line_number);
        const std::string method = rule.auth_method;
        if (method == "reject")
            return {false, rule.line_number,
                    line + " rejects role " + client.role + " " + where_from(client) +
                        "; put a line like \"" + suggested_line(client) +
                        "\" before it and reload the source"};
        if (method == "peer" || method == "ident")
            return {false, rule.line_number,
                    line + " authenticates role " + client.role + " " + where_from(client) +
                        " with " + method +
                        ", which needs an operating system user of that name; put a line like \"" +
                        suggested_line(client) + "\" before it and reload the source"};
        std::string explanation = line + " lets role " + client.role + " connect " +
                                  where_from(client) + " with " + method;
        if (method == "trust")
            explanation += " (no password is checked)";
        return {true, rule.line_number, explanation};
    }
    const bool names_a_host = std::any_of(rules.begin(), rules.end(), [](const HbaRule &rule) {
        return rule.type != "local" && rule.address != "all" && rule.address != "samehost" &&
               rule.address != "samenet" && !parse_address(rule.address);
    });
    return {false, std::nullopt,
            "no pg_hba.conf line lets role " + client.role + " connect to database " +
                client.database + " " + where_from(client) + "; add \"" + suggested_line(client) +
                "\" and reload the source" +
                (names_a_host ? " (lines naming a host name were not evaluated)" : "")};
}

} // namespace ivory
