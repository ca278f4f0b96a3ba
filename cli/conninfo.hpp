// Connection settings from the --source-* / --target-* options, turned into what
// libpq takes: a key=value connection string for the source (which the server
// receives as a bind parameter) and keyword/value pairs for the target.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ivory::cli {

// An empty field is unset: libpq's own default (or PG* variable) applies.
struct ConnectionOptions {
    std::string host;
    std::string port;
    std::string user;
    std::string password;
    std::string dbname;
};

using Keywords = std::vector<std::pair<std::string, std::string>>;

// The set fields as libpq keywords, in the order host, port, user, password, dbname.
Keywords connection_keywords(const ConnectionOptions &options);

// "host='h' port='5432' ..." with every set field; "" when none is set.
std::string build_conninfo(const ConnectionOptions &options);

// For people: the set fields except the password, quoted only where needed;
// "(libpq defaults)" when none is set.
std::string describe_connection(const Keywords &keywords);

} // namespace ivory::cli
