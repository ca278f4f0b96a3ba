#include "dump_filter.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "error.hpp"
#include "strings.hpp"

namespace ivory {

namespace {

bool starts_with(const std::string &text, const std::string &prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// Settings the caller's session owns: the dump turns them off or changes how
// text reaches the client, neither of which applies inside a function.
bool is_callers_setting(const std::string &line) {
    static const char *const owned[] = {"SET statement_timeout ", "SET lock_timeout ",
                                        "SET idle_in_transaction_session_timeout ",
                                        "SET client_encoding "};
    for (const char *prefix : owned)
        if (starts_with(line, prefix))
            return true;
    return false;
}

// Debian's 15.20 records `pg_attver=N` in the options of every new column.
// Its own pg_dump leaves the option out; newer ones print it as
// `ALTER TABLE ... ALTER COLUMN ... SET (pg_attver=N);`, which no other
// server accepts. The option goes, and the statement with it when it set
// nothing else.
std::string without_attver_option(const std::string &line) {
    const std::string marker = "pg_attver=";
    const size_t open = line.find(" SET (");
    if (!starts_with(line, "ALTER TABLE ") || open == std::string::npos ||
        line.find(marker, open) == std::string::npos || line.size() < 2 ||
        line.compare(line.size() - 2, 2, ");") != 0)
        return line;
    const size_t list_start = open + 6;
    const std::string list = line.substr(list_start, line.size() - 2 - list_start);
    std::string kept;
    size_t at = 0;
    while (at <= list.size()) {
        size_t comma = list.find(", ", at);
        if (comma == std::string::npos)
            comma = list.size();
        const std::string option = list.substr(at, comma - at);
        const bool attver = starts_with(option, marker) &&
                            option.size() > marker.size() &&
                            std::all_of(option.begin() + marker.size(), option.end(),
                                        [](unsigned char c) { return std::isdigit(c); });
        if (!attver)
            kept += (kept.empty() ? "" : ", ") + option;
        at = comma + 2;
    }
    if (kept.empty())
        return "";
    return line.substr(0, list_start) + kept + ");";
}

// Whether `line` is \restrict or \unrestrict (pg_dump >= 15.14), which ivory
// drops; any other psql meta-command of `tool`'s output is an error.
bool is_meta_command(const std::string &line, const std::string &tool) {
    if (starts_with(line, "\\restrict ") || starts_with(line, "\\unrestrict "))
        return true;
    if (starts_with(line, "\\"))
        throw Error(sqlstate::internal, "unexpected psql meta-command in the output of " + tool,
                    line.substr(0, line.find(' ')));
    return false;
}

// A top-level line of the dump as ivory runs it; empty to drop the line.
std::string rewrite_top_level_line(const std::string &line) {
    if (is_meta_command(line, "pg_dump"))
        return "";
    if (is_callers_setting(line))
        return "";
    if (starts_with(line, "SET "))
        return "SET LOCAL " + line.substr(4);
    const std::string session_search_path =
        "SELECT pg_catalog.set_config('search_path', '', false);";
    if (line == session_search_path)
        return "SELECT pg_catalog.set_config('search_path', '', true);";
    return without_attver_option(line);
}

// "-- Name: orders; Type: TABLE; Schema: public; Owner: postgres[; Tablespace: x]"
bool parse_header(const std::string &line, DumpEntry &entry) {
    const std::string prefix = "-- Name: ";
    if (!starts_with(line, prefix))
        return false;
    const size_t type_at = line.rfind("; Type: ");
    const size_t schema_at = line.find("; Schema: ", type_at == std::string::npos ? 0 : type_at);
    if (type_at == std::string::npos || schema_at == std::string::npos)
        return false;
    size_t owner_at = line.find("; Owner: ", schema_at);
    if (owner_at == std::string::npos)
        owner_at = line.size();
    entry = DumpEntry{};
    entry.name = line.substr(prefix.size(), type_at - prefix.size());
    entry.type = line.substr(type_at + 8, schema_at - type_at - 8);
    entry.schema = line.substr(schema_at + 10, owner_at - schema_at - 10);
    return true;
}

// The name in "SET LOCAL name = value;" or "SELECT pg_catalog.set_config('name', ...".
std::string setting_name_of(const std::string &rewritten) {
    const std::string set_local = "SET LOCAL ";
    const std::string set_config = "SELECT pg_catalog.set_config('";
    if (starts_with(rewritten, set_local)) {
        const size_t end = rewritten.find_first_of(" =", set_local.size());
        return rewritten.substr(set_local.size(), end - set_local.size());
    }
    if (starts_with(rewritten, set_config)) {
        const size_t end = rewritten.find('\'', set_config.size());
        return rewritten.substr(set_config.size(), end - set_config.size());
    }
    return "";
}

void add_setting(SchemaDump &dump, const std::string &name) {
    if (!name.empty() &&
        std::find(dump.settings.begin(), dump.settings.end(), name) == dump.settings.end())
        dump.settings.push_back(name);
}

} // namespace

void SqlLexer::feed_line(const std::string &line) {
    const size_t n = line.size();
    for (size_t i = 0; i < n; ++i) {
        const char c = line[i];
        const char next = i + 1 < n ? line[i + 1] : '\0';
        if (comment_depth_ > 0) {
            if (c == '*' && next == '/') {
                --comment_depth_;
                ++i;
            } else if (c == '/' && next == '*') {
                ++comment_depth_;
                ++i;
            }
            continue;
        }
        switch (state_) {
        case State::code:
            if (c == '-' && next == '-')
                return; // the rest of the line is a comment
            if (c == '/' && next == '*') {
                ++comment_depth_;
                ++i;
            } else if (c == '\'') {
                const bool escape_string =
                    i > 0 && (line[i - 1] == 'E' || line[i - 1] == 'e') &&
                    (i == 1 || !(std::isalnum(static_cast<unsigned char>(line[i - 2])) ||
                                 line[i - 2] == '_'));
                state_ = escape_string ? State::escape_quote : State::single_quote;
            } else if (c == '"') {
                state_ = State::double_quote;
            } else if (c == '$') {
                // $tag$ where tag is empty or an identifier not starting with a digit
                size_t end = i + 1;
                while (end < n &&
                       (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_' ||
                        static_cast<unsigned char>(line[end]) >= 0x80))
                    ++end;
                const bool preceded_by_word =
                    i > 0 &&
                    (std::isalnum(static_cast<unsigned char>(line[i - 1])) || line[i - 1] == '_');
                if (end < n && line[end] == '$' && !preceded_by_word &&
                    !(end > i + 1 && std::isdigit(static_cast<unsigned char>(line[i + 1])))) {
                    dollar_tag_ = line.substr(i, end - i + 1);
                    state_ = State::dollar_quote;
                    i = end;
                }
            }
            break;
        case State::single_quote:
            if (c == '\'') {
                if (next == '\'')
                    ++i;
                else
                    state_ = State::code;
            }
            break;
        case State::escape_quote:
            if (c == '\\')
                ++i;
            else if (c == '\'') {
                if (next == '\'')
                    ++i;
                else
                    state_ = State::code;
            }
            break;
        case State::double_quote:
            if (c == '"') {
                if (next == '"')
                    ++i;
                else
                    state_ = State::code;
            }
            break;
        case State::dollar_quote:
            if (c == '$' && line.compare(i, dollar_tag_.size(), dollar_tag_) == 0) {
                i += dollar_tag_.size() - 1;
                state_ = State::code;
            }
            break;
        }
    }
}

void SchemaDumpParser::feed(const char *data, size_t size) {
    const char *end = data + size;
    while (data < end) {
        const char *newline = static_cast<const char *>(std::memchr(data, '\n', end - data));
        if (!newline) {
            partial_line_.append(data, end);
            return;
        }
        partial_line_.append(data, newline);
        take_line(partial_line_);
        partial_line_.clear();
        data = newline + 1;
    }
}

SchemaDump SchemaDumpParser::finish() {
    if (!partial_line_.empty())
        take_line(partial_line_);
    partial_line_.clear();
    *current_ += settings_for_next_;
    settings_for_next_.clear();
    return std::move(result_);
}

void SchemaDumpParser::take_line(const std::string &line) {
    if (!lexer_.at_top_level()) {
        *current_ += line + '\n';
        lexer_.feed_line(line);
        return;
    }
    DumpEntry header;
    if (parse_header(line, header)) {
        header.sql = std::move(settings_for_next_);
        settings_for_next_.clear();
        result_.entries.push_back(std::move(header));
        current_ = &result_.entries.back().sql;
        return;
    }
    // Between statements, pg_dump's comments and blank lines only make
    // error contexts longer.
    if (line.empty() || starts_with(line, "--"))
        return;
    const std::string rewritten = rewrite_top_level_line(line);
    if (rewritten.empty())
        return;
    add_setting(result_, setting_name_of(rewritten));
    if (!result_.entries.empty() && starts_with(rewritten, "SET LOCAL "))
        settings_for_next_ += rewritten + '\n';
    else
        *current_ += rewritten + '\n';
    lexer_.feed_line(rewritten);
}

std::string without_meta_commands(const std::string &script) {
    std::string kept;
    SqlLexer lexer;
    for (const std::string &line : split_lines(script)) {
        const bool top_level = lexer.at_top_level();
        lexer.feed_line(line);
        if (!top_level || !is_meta_command(line, "pg_dumpall"))
            kept += line + "\n";
    }
    return kept;
}

SchemaDump parse_schema_dump(const std::string &dump) {
    SchemaDumpParser parser;
    parser.feed(dump.data(), dump.size());
    return parser.finish();
}

bool is_ivory_entry(const DumpEntry &entry) {
    if (entry.schema == "ivory")
        return true;
    if ((entry.type == "EXTENSION" || entry.type == "SCHEMA") && entry.name == "ivory")
        return true;
    return (entry.type == "COMMENT" || entry.type == "ACL") &&
           (entry.name == "EXTENSION ivory" || entry.name == "SCHEMA ivory");
}

std::vector<std::string> extensions_in(const SchemaDump &dump) {
    std::vector<std::string> names;
    for (const DumpEntry &entry : dump.entries)
        if (entry.type == "EXTENSION")
            names.push_back(entry.name);
    return names;
}

std::map<std::string, int> count_by_type(const std::vector<DumpEntry> &entries) {
    std::map<std::string, int> counts;
    for (const DumpEntry &entry : entries)
        ++counts[entry.type];
    return counts;
}

} // namespace ivory
