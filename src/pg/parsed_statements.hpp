// A query string cut into its statements with the server's own parser: each
// statement's raw parse tree and its text alone.
#pragma once

#include <string>
#include <vector>

struct Node;

namespace ivory::pg {

struct ParsedStatement {
    const Node *tree; // the raw parse tree, in the caller's memory context
    std::string text; // the statement as it stands in the query, without ';'
};

// Throws PgError when the query does not parse.
std::vector<ParsedStatement> parsed_statements(const std::string &query);

} // namespace ivory::pg
