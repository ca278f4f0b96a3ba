#include <malloc.h>

#include "functions.hpp"

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

std::vector<CheckResult> check(const std::string &source_conninfo) {
    std::vector<CheckResult> results;
    {
        remote::Connection source(source_conninfo);
        pg::LocalSession target;
        results = run_checks(source, target);
    }
    return_freed_memory();
    return results;
}

std::vector<SchemaDifference> schema_diff(const std::string &source_conninfo) {
    std::vector<SchemaDifference> differences;
    {
        remote::Connection source(source_conninfo);
        pg::LocalSession target;
        differences = compare_schemas(source, target);
    }
    return_freed_memory();
    return differences;
}

} // namespace ivory
