#include <malloc.h>

#include "functions.hpp"

#include "core/checks.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"

namespace ivory {

namespace {

// glibc keeps freed heap pages; a check at 2,000 tables frees tens of
// megabytes that a pooled, long-lived backend would otherwise carry.
void return_freed_memory() {
    malloc_trim(0);
}

} // namespace

Rows check_rows(const std::string &source_conninfo) {
    std::vector<CheckResult> results;
    {
        remote::Connection source(source_conninfo);
        pg::LocalSession target;
        results = run_checks(source, target);
    }
    return_freed_memory();
    Rows rows;
    for (const CheckResult &result : results)
        rows.push_back({result.checker, result.description, result.severity,
                        std::string(result.ok ? "true" : "false"), result.detail});
    return rows;
}

Rows schema_diff_rows(const std::string &source_conninfo) {
    std::vector<SchemaDifference> differences;
    {
        remote::Connection source(source_conninfo);
        pg::LocalSession target;
        differences = compare_schemas(source, target);
    }
    return_freed_memory();
    Rows rows;
    for (const SchemaDifference &difference : differences)
        rows.push_back({difference.object_type, difference.object_name,
                        difference.attribute.empty() ? Value() : Value(difference.attribute),
                        difference.source_value, difference.target_value, difference.describe()});
    return rows;
}

} // namespace ivory
