// The fmgr edge's half of the typed results: each made into the SQL rows of
// its function, in the order of the function's OUT columns (ivory--*.sql).
// The one place where words and numbers become columns.
#pragma once

#include <vector>

#include "core/checks.hpp"
#include "core/results.hpp"
#include "core/rows.hpp"
#include "core/schema_diff.hpp"
#include "core/status.hpp"

namespace ivory {

// (checker, description, severity, ok, detail)
Rows rows_of(const std::vector<CheckResult> &results);
// (object_type, object_name, attribute, source_value, target_value, difference)
Rows rows_of(const std::vector<SchemaDifference> &differences);
// (object_type, object_name, action)
Rows rows_of(const std::vector<ObjectAction> &actions);
// (item, name, state, severity, detail, bytes_copied, bytes_total, percent,
// lag_bytes, age_seconds)
Rows rows_of(const ReplicationStatus &status);
// (sequence_name, source_value, target_value, action)
Rows rows_of(const std::vector<SequenceSetting> &settings);
// (role_name, action, detail)
Rows rows_of(const std::vector<RoleAction> &actions);
// (object_id, action, bytes)
Rows rows_of(const std::vector<LargeObjectAction> &actions);
// (table_name, source_rows, target_rows, matches, detail)
Rows rows_of(const std::vector<TableVerdict> &verdicts);
// (id, state, recorded_at, role_name, search_path, command_tag, objects,
// command, detail)
Rows rows_of(const std::vector<RecordedDdl> &commands);
// (step, seconds, detail)
Rows rows_of(const std::vector<SwitchoverStep> &steps);

} // namespace ivory
