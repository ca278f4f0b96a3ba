#include "parsed_statements.hpp"

#include "guard.hpp"

extern "C" {
#include "nodes/parsenodes.h"
#include "parser/parser.h"
}

namespace ivory::pg {

std::vector<ParsedStatement> parsed_statements(const std::string &query) {
    const char *const source = query.c_str();
    List *const parsed = guarded([source] { return raw_parser(source, RAW_PARSE_DEFAULT); });
    std::vector<ParsedStatement> statements;
    ListCell *cell;
    foreach (cell, parsed) {
        const RawStmt *raw = lfirst_node(RawStmt, cell);
        const size_t start = raw->stmt_location > 0 ? static_cast<size_t>(raw->stmt_location) : 0;
        const size_t length =
            raw->stmt_len > 0 ? static_cast<size_t>(raw->stmt_len) : query.size() - start;
        statements.push_back({raw->stmt, query.substr(start, length)});
    }
    return statements;
}

} // namespace ivory::pg
