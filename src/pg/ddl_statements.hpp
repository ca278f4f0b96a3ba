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

} // namespace ivory::pg
