#include <cstring>
#include <string>
#include <vector>

#include "ddl_statements.hpp"

#include "guard.hpp"

extern "C" {
#include "common/keywords.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
}

namespace ivory::pg {

namespace {

bool is_concurrent(const Node *statement) {
    if (IsA(statement, IndexStmt))
        return castNode(IndexStmt, statement)->concurrent;
    if (IsA(statement, DropStmt))
        return castNode(DropStmt, statement)->concurrent;
    return false;
}

// Blanks the first CONCURRENTLY keyword of `text` (the parser said it is
// there), found with the server's scanner so that a name or a string that
// reads "concurrently" is left alone.
void remove_concurrently(std::string &text) {
    const char *const source = text.c_str();
    const int offset = guarded([source] {
        const int keyword = ScanKeywordLookup("concurrently", &ScanKeywords);
        const int wanted = ScanKeywordTokens[keyword];
        core_yy_extra_type extra;
        core_YYSTYPE value;
        YYLTYPE location = 0;
        core_yyscan_t scanner = scanner_init(source, &extra, &ScanKeywords, ScanKeywordTokens);
        int found = -1;
        for (;;) {
            const int token = core_yylex(&value, &location, scanner);
            if (token == 0)
                break;
            if (token == wanted) {
                found = location;
                break;
            }
        }
        scanner_finish(scanner);
        return found;
    });
    if (offset >= 0)
        text.replace(static_cast<size_t>(offset), std::strlen("concurrently"),
                     std::strlen("concurrently"), ' ');
}

// SELECT ... INTO is a SELECT to the raw parser; the event trigger saw it as
// SELECT INTO.
const IntoClause *select_into(const Node *statement) {
    return IsA(statement, SelectStmt) ? castNode(SelectStmt, statement)->intoClause : nullptr;
}

bool makes_temporary_table(const Node *statement) {
    const IntoClause *into = IsA(statement, CreateTableAsStmt)
                                 ? castNode(CreateTableAsStmt, statement)->into
                                 : select_into(statement);
    return into && into->rel->relpersistence == RELPERSISTENCE_TEMP;
}

} // namespace

std::vector<DdlStatement> event_trigger_statements(const std::string &query) {
    const char *const source = query.c_str();
    List *const parsed = guarded([source] { return raw_parser(source, RAW_PARSE_DEFAULT); });
    std::vector<DdlStatement> statements;
    ListCell *cell;
    foreach (cell, parsed) {
        const RawStmt *raw = lfirst_node(RawStmt, cell);
        const Node *statement = raw->stmt;
        const CommandTag tag = guarded([statement] { return CreateCommandTag(const_cast<Node *>(statement)); });
        const bool selects_into = select_into(statement) != nullptr;
        if (!selects_into && !command_tag_event_trigger_ok(tag))
            continue;
        const size_t start = raw->stmt_location > 0 ? static_cast<size_t>(raw->stmt_location) : 0;
        const size_t length = raw->stmt_len > 0 ? static_cast<size_t>(raw->stmt_len)
                                                : query.size() - start;
        DdlStatement made{selects_into ? "SELECT INTO" : GetCommandTagName(tag),
                          query.substr(start, length), false,
                          makes_temporary_table(statement)};
        if (is_concurrent(statement)) {
            remove_concurrently(made.text);
            made.concurrently_removed = true;
        }
        statements.push_back(std::move(made));
    }
    return statements;
}

} // namespace ivory::pg
