// Does the source's pg_hba.conf let the replication role in from the target?
// Evaluated the way the server picks a line: the first line whose connection
// type, database, user and address match decides.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ivory {

struct HbaRule {
    int line_number = 0;
    std::string type; // local, host, hostssl, hostnossl, hostgssenc, hostnogssenc
    std::vector<std::string> databases;
    std::vector<std::string> users;
    std::string address; // empty for local lines
    std::string netmask;
    std::string auth_method;
    std::string error; // set when the server could not parse the line
    // From PostgreSQL 16, a database or user entry starting with '/' is a
    // regular expression. The source evaluates them itself (its regex engine
    // is interruptible, a std::regex here would not be) against the client's
    // database and role, and says whether any matched.
    bool regex_entries = false;
    bool regex_database_matches = false;
    bool regex_user_matches = false;
};

// How the role will arrive: the facts of ivory's own connection to the source,
// which the subscription's connection repeats with another user.
struct HbaClient {
    std::string database;
    std::string role;
    std::vector<std::string> role_memberships; // roles `role` is a member of
    std::string client_address;                // empty: a unix socket
    std::string server_address;
    bool ssl = false;
};

struct HbaVerdict {
    bool allowed = false;
    std::optional<int> line_number; // the deciding line, if any
    std::string explanation;
};

HbaVerdict evaluate_hba(const std::vector<HbaRule> &rules, const HbaClient &client);

// Whether `address` lies in `network`/`netmask` (IPv4 or IPv6 text forms).
bool address_in_network(const std::string &address, const std::string &network,
                        const std::string &netmask);

} // namespace ivory
