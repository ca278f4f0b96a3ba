// Turning `pg_dump --schema-only` output into SQL that ivory can run through
// SPI inside the caller's transaction:
// - psql meta-commands go: `\restrict`/`\unrestrict` (pg_dump >= 15.14) are
//   dropped, any other one is an error;
// - session settings become transaction-local (`SET LOCAL`,
//   `set_config(..., true)`), so they end with ivory's GUC nest level, and the
//   timeouts and client_encoding the dump resets are left to the caller;
// - the dump is split into its entries (the `-- Name: ...; Type: ...` headers),
//   so that errors and the summary name objects, and ivory's own extension
//   and schema are left out.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace ivory {

struct DumpEntry {
    std::string name;   // as pg_dump prints it: unquoted, e.g. `orders id`, `TABLE t`
    std::string type;   // TABLE, INDEX, FK CONSTRAINT, COMMENT, ...
    std::string schema; // "-" for objects outside a schema
    std::string sql;    // the entry's statements, ready for SPI
};

struct SchemaDump {
    std::string preamble; // the settings before the first entry
    std::vector<DumpEntry> entries;
    // The settings the dump's statements change (SET LOCAL, set_config), each
    // once: the caller's values of these must be back when ivory returns.
    std::vector<std::string> settings;
};

// Tracks whether a position in SQL text is inside a string, a quoted
// identifier, a dollar quote or a comment, line by line.
class SqlLexer {
  public:
    // Advances over one line (without its newline).
    void feed_line(const std::string &line);
    // True between statements' tokens: not inside any quote or block comment.
    bool at_top_level() const { return state_ == State::code && comment_depth_ == 0; }

  private:
    enum class State { code, single_quote, escape_quote, double_quote, dollar_quote };
    State state_ = State::code;
    int comment_depth_ = 0;
    std::string dollar_tag_;
};

// Parses and rewrites a plain-format schema-only dump as it arrives, so that
// the dump's text is never held beside its entries. Throws ivory::Error on a
// psql meta-command it does not know.
class SchemaDumpParser {
  public:
    // The next bytes of the dump, cut anywhere.
    void feed(const char *data, size_t size);
    // The dump so far, with its last line if it had no newline.
    SchemaDump finish();

  private:
    void take_line(const std::string &line);

    SchemaDump result_;
    std::string *current_ = &result_.preamble;
    // pg_dump sets default_tablespace and default_table_access_method just
    // before the entry they are for: they wait here for the next header.
    std::string settings_for_next_;
    SqlLexer lexer_;
    std::string partial_line_;
};

// A pg_dumpall script without its psql meta-commands: `\restrict` and
// `\unrestrict` lines dropped, any other one an error (ivory::Error).
std::string without_meta_commands(const std::string &script);

// The same for a whole dump at once.
SchemaDump parse_schema_dump(const std::string &dump);

// Whether an entry belongs to ivory itself (its extension or its schema),
// which the target already has.
bool is_ivory_entry(const DumpEntry &entry);

// Names of the extensions the dump creates.
std::vector<std::string> extensions_in(const SchemaDump &dump);

// Entries per type, for the summary.
std::map<std::string, int> count_by_type(const std::vector<DumpEntry> &entries);

} // namespace ivory
