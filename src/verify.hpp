// ivory.verify_data and the checks of switchover's read-only window: every
// published table compared on both sides, each side read once and both at
// the same time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/results.hpp"

namespace ivory {

struct VerifyRequest {
    std::string source;
    std::string publication;
    // While it streams (enabled), ranges that differ are read again once the
    // target has applied past the source's position: rows in flight are
    // told from real differences.
    std::string subscription;
    long long range_rows = 100000;
    std::optional<int> jobs; // connections to the source; default: by its cores
};

std::vector<TableVerdict> verify_tables(const VerifyRequest &request);

// The source's modification count of each published table ("schema.table"
// quoted for people -> n_tup_ins + n_tup_upd + n_tup_del).
using ModificationCounts = std::vector<std::pair<std::string, std::string>>;
ModificationCounts modification_counts(const std::string &source, const std::string &publication);

// Row counts of the tables modified since `before` (all when empty), both
// sides at once: what switchover checks while the source is read-only.
std::vector<TableVerdict> compare_row_counts(const std::string &source,
                                             const std::string &publication,
                                             const ModificationCounts &before);

} // namespace ivory
