// Schema changes on one side during replication, as status entries: which
// difference stops the apply worker (a table or a column the source has and
// the target lacks) and which only differs.
#pragma once

#include <vector>

#include "schema_diff.hpp"
#include "status.hpp"

namespace ivory {

// At most this many differences are named one by one; the rest are counted.
inline constexpr size_t named_schema_differences = 10;

// The entries for `differences` (empty when the schemas are the same).
// `ddl_pending`: recorded DDL commands are still on their way, so a
// difference is expected for now and only a warning.
std::vector<StatusEntry> schema_drift_entries(const std::vector<SchemaDifference> &differences,
                                              bool ddl_pending);

} // namespace ivory
