// The DDL statements of a query string as the source's event trigger saw it
// (current_query(): the whole string the client sent, which may hold several
// statements), found with the server's own parser.
#pragma once

#include <string>
#include <vector>

namespace ivory::pg {

struct DdlStatement {
    std::string command_tag; // "CREATE TABLE", as the event trigger's TG_TAG
    std::string text;        // the statement alone, runnable in a transaction block
    bool concurrently_removed = false;
    bool temporary = false; // CREATE TEMPORARY TABLE ... AS: nothing to carry
};

// The statements of `query` that event triggers fire for, in order. CREATE
// INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY come without CONCURRENTLY:
// they run inside the apply worker's transaction. A query that does not
// parse throws.
std::vector<DdlStatement> event_trigger_statements(const std::string &query);

// The string constants of `query` that may hold a secret, as they stand in
// the text (quotes included): the value of an option or clause whose name
// says password (OPTIONS (password '...'), PASSWORD '...') and any constant
// that reads like a connection string with a password. Found with the
// server's scanner; a query that does not scan is all secret.
std::vector<std::string> secret_constants(const std::string &query);

// `query` with those constants shown as '********', for every place that
// shows a recorded command: status, replication ddl, errors, the log.
std::string redacted_query(const std::string &query);

} // namespace ivory::pg
