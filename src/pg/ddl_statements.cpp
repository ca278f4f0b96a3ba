#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "ddl_statements.hpp"

#include "guard.hpp"
#include "parsed_statements.hpp"

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

using Span = std::pair<size_t, size_t>; // start, length

// The scanner's numbers for an identifier and a string constant. They come
// from the grammar's gram.h, which servers from 16 on do not install: the
// scanner says them for a probe instead.
struct TokenNumbers {
    int identifier = 0;
    int string_constant = 0;
};

TokenNumbers token_numbers() {
    static const TokenNumbers numbers = guarded([] {
        core_yy_extra_type extra;
        core_YYSTYPE value;
        YYLTYPE location = 0;
        core_yyscan_t scanner =
            scanner_init("probe 'probe'", &extra, &ScanKeywords, ScanKeywordTokens);
        TokenNumbers found;
        found.identifier = core_yylex(&value, &location, scanner);
        found.string_constant = core_yylex(&value, &location, scanner);
        scanner_finish(scanner);
        return found;
    });
    return numbers;
}

bool says_password(const std::string &text) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find("password") != std::string::npos;
}

// The name a token stands for when it is a word (a keyword or an
// identifier), else "".
std::string word_at(const std::string &query, int token, const core_YYSTYPE &value, int location) {
    if (token == token_numbers().identifier)
        return value.str ? value.str : "";
    size_t end = static_cast<size_t>(location);
    while (end < query.size() &&
           (std::isalnum(static_cast<unsigned char>(query[end])) || query[end] == '_'))
        ++end;
    return query.substr(static_cast<size_t>(location), end - static_cast<size_t>(location));
}

// Where the secret constants of `query` stand. A constant ends where the next
// token starts, less the blanks before it. Each scanner call is guarded on
// its own: no C++ object lives in a frame the scanner's ereport can leave.
std::vector<Span> secret_spans(const std::string &query) {
    const char *const source = query.c_str();
    const TokenNumbers numbers = token_numbers();
    core_yy_extra_type extra;
    core_YYSTYPE value;
    YYLTYPE location = 0;
    core_yyscan_t scanner = guarded([source, &extra] {
        return scanner_init(source, &extra, &ScanKeywords, ScanKeywordTokens);
    });
    std::vector<Span> spans;
    std::string previous_word;
    long open_secret = -1; // start of a secret constant, which ends at the next token
    for (;;) {
        const int token = guarded([&] { return core_yylex(&value, &location, scanner); });
        const size_t here = token == 0 ? query.size() : static_cast<size_t>(location);
        if (open_secret >= 0) {
            size_t end = here;
            while (end > static_cast<size_t>(open_secret) &&
                   std::isspace(static_cast<unsigned char>(query[end - 1])))
                --end;
            spans.emplace_back(static_cast<size_t>(open_secret),
                               end - static_cast<size_t>(open_secret));
            open_secret = -1;
        }
        if (token == 0)
            break;
        const bool secret =
            token == numbers.string_constant &&
            (says_password(previous_word) ||
             (value.str && std::strchr(value.str, '=') && says_password(value.str)));
        if (secret)
            open_secret = location;
        previous_word =
            token == numbers.string_constant ? "" : word_at(query, token, value, location);
    }
    guarded([scanner] { scanner_finish(scanner); });
    return spans;
}

} // namespace

std::vector<std::string> secret_constants(const std::string &query) {
    std::vector<std::string> constants;
    try {
        for (const auto &[start, length] : secret_spans(query))
            constants.push_back(query.substr(start, length));
    } catch (const PgError &) {
        constants = {query};
    }
    return constants;
}

std::string redacted_query(const std::string &query) {
    std::vector<Span> spans;
    try {
        spans = secret_spans(query);
    } catch (const PgError &) {
        return "(not shown: the command does not scan, and may hold a password)";
    }
    std::string shown = query;
    for (auto span = spans.rbegin(); span != spans.rend(); ++span)
        shown.replace(span->first, span->second, "'********'");
    return shown;
}

std::vector<DdlStatement> event_trigger_statements(const std::string &query) {
    std::vector<DdlStatement> statements;
    for (ParsedStatement &parsed : parsed_statements(query)) {
        const Node *statement = parsed.tree;
        const CommandTag tag =
            guarded([statement] { return CreateCommandTag(const_cast<Node *>(statement)); });
        const bool selects_into = select_into(statement) != nullptr;
        if (!selects_into && !command_tag_event_trigger_ok(tag))
            continue;
        DdlStatement made{selects_into ? "SELECT INTO" : GetCommandTagName(tag),
                          std::move(parsed.text), false, makes_temporary_table(statement)};
        if (is_concurrent(statement)) {
            remove_concurrently(made.text);
            made.concurrently_removed = true;
        }
        statements.push_back(std::move(made));
    }
    return statements;
}

} // namespace ivory::pg
