// The readiness checks of `ivory.check`: each asks the source and the target a
// few catalog questions and says what is wrong and how to fix it.
#pragma once

#include <string>
#include <vector>

#include "rows.hpp"
#include "schema_diff.hpp"
#include "status.hpp"

namespace ivory {

struct CheckResult {
    std::string checker;
    std::string description;
    Severity severity = Severity::error; // a failed warning does not fail the check
    bool ok = false;
    std::string detail;
};

// Every check, in a fixed order. An error of the source while answering one
// check fails that check with the error in its detail; the others still run.
std::vector<CheckResult> run_checks(QueryRunner &source, QueryRunner &target);

// The schema differences between source and target, as `ivory.schema_diff` returns them.
std::vector<SchemaDifference> compare_schemas(QueryRunner &source, QueryRunner &target);

} // namespace ivory
