// libFuzzer target: the CLI's connection-string builder (cli/conninfo.hpp).
// Input: host, port, user, password and dbname separated by NUL bytes.
// Properties: the built string parses back with libpq's PQconninfoParse to
// exactly the set fields, and describe_connection is the same with or without
// the password.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include <libpq-fe.h>

#include "cli/conninfo.hpp"

using ivory::cli::ConnectionOptions;

namespace {

[[noreturn]] void fail(const char *what, const std::string &detail) {
    std::fprintf(stderr, "property violated: %s\n%s\n", what, detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string input(reinterpret_cast<const char *>(data), size);
    std::string fields[5];
    size_t field = 0;
    for (char c : input) {
        if (c == '\0') {
            if (++field == 5)
                return 0; // a value never contains NUL
        } else {
            fields[field] += c;
        }
    }
    ConnectionOptions options{fields[0], fields[1], fields[2], fields[3], fields[4]};

    const std::string conninfo = ivory::cli::build_conninfo(options);
    const auto keywords = ivory::cli::connection_keywords(options);
    const std::string description = ivory::cli::describe_connection(keywords);
    ivory::cli::Keywords without_password;
    for (const auto &keyword : keywords)
        if (keyword.first != "password")
            without_password.push_back(keyword);
    if (description != ivory::cli::describe_connection(without_password))
        fail("describe_connection depends on the password", description);

    if (keywords.empty()) {
        if (!conninfo.empty())
            fail("no field set but a connection string", conninfo);
        return 0;
    }
    char *error = nullptr;
    PQconninfoOption *parsed = PQconninfoParse(conninfo.c_str(), &error);
    if (!parsed)
        fail("PQconninfoParse rejects the built string", conninfo + "\n" + (error ? error : ""));
    std::map<std::string, std::string> values;
    for (const PQconninfoOption *option = parsed; option->keyword; ++option)
        if (option->val)
            values[option->keyword] = option->val;
    PQconninfoFree(parsed);
    for (const auto &[keyword, value] : keywords)
        if (values[keyword] != value)
            fail("a value does not parse back", keyword + ": [" + value + "] became [" +
                                                     values[keyword] + "] in " + conninfo);
    return 0;
}
