// Connection strings handled on the server: nothing derived from one may show a
// password, in any message, detail or log line.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ivory {

// The values that must never be shown: the password keyword's value, a URI's
// user:password@ part, and each word of them (libpq's parse errors quote
// fragments of a malformed string).
std::vector<std::string> secrets_in_conninfo(const std::string &conninfo);

// `text` with each secret replaced by "********", longest first. A secret
// shorter than four characters would mangle ordinary words, so it is masked
// only where it stands quoted ("..." or '...'), the way libpq and the server
// quote values in their messages. The one masking rule of the extension and
// the CLI.
std::string mask_secret_values(std::string text, std::vector<std::string> secrets);

// `text` with every secret of `conninfo` masked as above.
std::string mask_secrets(const std::string &text, const std::string &conninfo);

// The connection string as key=value pairs with the password masked, for error
// context; an unparsable string becomes "(invalid connection string)".
std::string redact_conninfo(const std::string &conninfo);

// The value of `keyword` in the connection string (URIs included), if set.
std::optional<std::string> conninfo_value(const std::string &conninfo, const std::string &keyword);

// The connection string as key='value' pairs without `keyword`, for handing a
// connection to another program without its password on its command line.
std::string conninfo_without(const std::string &conninfo, const std::string &keyword);

// Whether `source` is a connection string (key=value or URI) rather than the
// name of a foreign server.
bool looks_like_conninfo(const std::string &source);

// Where an option of an ivory_fdw foreign server may go, as dblink's
// validator decides: user mappings take the user and the secrets (libpq's
// password-like options), servers every other libpq option but those ivory
// sets itself. Returns an error message, empty when the option is fine.
enum class OptionPlace { server, user_mapping };
std::string foreign_option_problem(const std::string &keyword, OptionPlace place);

// 'value' with backslash and single quote escaped by a backslash, which
// libpq's key=value parser reads back as the exact bytes given.
std::string quote_conninfo_value(std::string_view value);

// key='value' pairs, quoted as libpq reads them.
std::string conninfo_from_pairs(const std::vector<std::pair<std::string, std::string>> &pairs);

// Whether the connection string carries a password (keyword or URI).
bool conninfo_has_password(const std::string &conninfo);

// An option a non-superuser may not use, and why.
struct RefusedOption {
    std::string keyword;
    std::string reason;
};

// The first option of `conninfo` that would let a non-superuser borrow what
// belongs to the server, as postgres_fdw and dblink decide: several hosts (the
// connection checked and the one pg_dump makes could land on different
// servers), a service (the server's service file picks host, user and
// secrets), a passfile, and certificate, key and revocation files, which are
// the server's. Nothing when the string is fine (or does not parse: libpq
// says why when connecting).
std::optional<RefusedOption> option_refused_for_non_superusers(const std::string &conninfo);

// Where a connection landed: libpq's PQhost, PQhostaddr (empty over a unix
// socket), PQport, PQuser and PQdb of the connected PGconn.
struct ReachedServer {
    std::string host;
    std::string hostaddr;
    std::string port;
    std::string user;
    std::string dbname;
};

// A connection string for another program (pg_dump) that reaches exactly the
// server and user a connection reached: `effective_options` (PQconninfo of
// that connection) without the password (it travels in the environment),
// passfile, service and the choice among several hosts, then the host name
// (kept for TLS host name verification), address, port, user and database of
// `reached`.
std::string
pinned_conninfo(const std::vector<std::pair<std::string, std::string>> &effective_options,
                const ReachedServer &reached);

// connect_timeout of `conninfo` in milliseconds, read as libpq reads it
// (seconds; 0 or less waits forever, returned as 0; less than 2 means 2);
// `default_ms` when not set or not a number (libpq then refuses the string).
long connect_timeout_ms(const std::string &conninfo, long default_ms);

} // namespace ivory
