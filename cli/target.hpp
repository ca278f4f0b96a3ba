// The target database over libpq: connecting, making sure the extension is
// there, and parameterised queries. Failures are logged here, once, and
// reported to the caller as an empty result.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "conninfo.hpp"
#include "log.hpp"

namespace ivory::cli {

struct ConnectionCloser {
    void operator()(PGconn *connection) const { PQfinish(connection); }
};
struct ResultClearer {
    void operator()(PGresult *result) const { PQclear(result); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;
using Result = std::unique_ptr<PGresult, ResultClearer>;

// The libpq keywords for the target: the set --target-* options, plus what
// every ivory session uses.
Keywords target_keywords(const ConnectionOptions &options);

// Null when the connection failed; the libpq message is logged at ERROR,
// after "could not connect to <what>: ". The session's statement, lock and
// idle timeouts are turned off (unbounded_session_settings of the core), so
// that no default of the server's database or role cuts a long operation; a
// failure to do so is logged and fails the connection too.
Connection connect_with_keywords(const Keywords &keywords, const std::string &what,
                                 const Logger &log);

// The target database (connect_with_keywords of target_keywords).
Connection connect_target(const ConnectionOptions &options, const Logger &log);

// The server, user, password and database a connection reached, as a
// connection string: how the source reaches the target for the way back
// (the host as the connection named it, or its socket directory).
std::string reached_conninfo(PGconn *connection);

// Creates the extension when the target database lacks it and warns when its
// version differs from the one this command was built for. False when it
// could not (logged).
bool ensure_extension(PGconn *connection, const Logger &log);

// Runs `sql` with `parameters` as $1, $2, ... (sent separately from the SQL
// text). Null when it failed; the server's message is logged at ERROR, after
// "<failing_step>: " when one is given.
Result run_query(PGconn *connection, const std::string &sql,
                 const std::vector<std::string> &parameters, const Logger &log,
                 const std::string &failing_step = "");

// The text of the named column, nullopt for NULL or a column the result lacks:
// columns are read by name, never by position.
std::optional<std::string> field(const PGresult *result, int row, const char *column);

// The named column read as a number or a boolean; NULL (or text that is none)
// gives nullopt.
std::optional<long long> number_field(const PGresult *result, int row, const char *column);
std::optional<double> decimal_field(const PGresult *result, int row, const char *column);
std::optional<bool> boolean_field(const PGresult *result, int row, const char *column);

// "message", then lines "DETAIL: ...", "HINT: ..." and "CONTEXT: ..." when
// present, as psql shows them.
std::string format_server_error(const std::string &message, const char *detail, const char *hint,
                                const char *context = nullptr);

// Quoting with PQescapeIdentifier / PQescapeLiteral for the connection's
// encoding; throws std::runtime_error when libpq cannot quote a value (one
// that is not valid in that encoding).
std::string quote_identifier(PGconn *connection, const std::string &identifier);
std::string quote_literal(PGconn *connection, const std::string &literal);

// Where the connection went, without the password.
std::string describe_connected(PGconn *connection);

} // namespace ivory::cli
