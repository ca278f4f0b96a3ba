// libFuzzer target: the dump filter (src/core/dump_filter.hpp): any text as
// pg_dump output. parse_schema_dump may only throw ivory::Error; every entry is
// classified and counted, and the lexer reads every line. Property: the counts
// by type add up to the number of entries.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/core/dump_filter.hpp"
#include "src/core/error.hpp"

namespace {

[[noreturn]] void fail(const char *what, const std::string &detail) {
    std::fprintf(stderr, "property violated: %s\n%s\n", what, detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string dump(reinterpret_cast<const char *>(data), size);
    ivory::SchemaDump parsed;
    try {
        parsed = ivory::parse_schema_dump(dump);
    } catch (const ivory::Error &) {
        return 0;
    }
    size_t ivory_entries = 0;
    for (const ivory::DumpEntry &entry : parsed.entries)
        ivory_entries += ivory::is_ivory_entry(entry) ? 1 : 0;
    (void)ivory_entries;
    (void)ivory::extensions_in(parsed);
    size_t counted = 0;
    for (const auto &[type, count] : ivory::count_by_type(parsed.entries)) {
        if (count <= 0)
            fail("a type counted with no entry", type);
        counted += static_cast<size_t>(count);
    }
    if (counted != parsed.entries.size())
        fail("the counts by type do not add up", std::to_string(counted) + " counted, " +
                                                      std::to_string(parsed.entries.size()) +
                                                      " entries");

    ivory::SqlLexer lexer;
    size_t start = 0;
    while (start < dump.size()) {
        size_t end = dump.find('\n', start);
        if (end == std::string::npos)
            end = dump.size();
        lexer.feed_line(dump.substr(start, end - start));
        start = end + 1;
    }
    (void)lexer.at_top_level();
    return 0;
}
