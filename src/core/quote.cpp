#include "quote.hpp"

#include <algorithm>
#include <array>

namespace ivory {

namespace {

// Reserved words that would break an unquoted identifier in the hints ivory
// prints. Not PostgreSQL's full list: quoting is the safe default for others.
constexpr std::array<const char *, 30> reserved_words = {
    "all",    "analyse", "analyze", "and",  "any",      "as", "asc",   "both",   "case",  "check",
    "column", "create",  "default", "desc", "distinct", "do", "else",  "end",    "from",  "grant",
    "group",  "in",      "limit",   "not",  "null",     "or", "order", "select", "table", "user"};

bool is_plain_identifier(const std::string &name) {
    if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return std::none_of(reserved_words.begin(), reserved_words.end(),
                        [&](const char *word) { return name == word; });
}

std::string quote_with(const std::string &text, char quote) {
    std::string quoted(1, quote);
    for (char c : text) {
        if (c == quote)
            quoted += quote;
        quoted += c;
    }
    quoted += quote;
    return quoted;
}

} // namespace

std::string quote_identifier(const std::string &name) {
    return is_plain_identifier(name) ? name : quote_with(name, '"');
}

std::string quote_literal(const std::string &value) {
    return quote_with(value, '\'');
}

} // namespace ivory
