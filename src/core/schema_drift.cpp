#include "schema_drift.hpp"

#include <string>

namespace ivory {

namespace {

StatusEntry drift_entry(const SchemaDifference &difference, bool ddl_pending) {
    StatusEntry entry;
    entry.item = StatusItem::schema;
    entry.name = difference.object_type + " " + difference.object_name;
    entry.state = ItemState::differs;
    entry.severity = Severity::warning;
    const bool table = difference.object_type == "table";
    const bool column = difference.object_type == "column";
    if (ddl_pending) {
        entry.detail = difference.describe() + ": a recorded DDL command on its way changes it";
        return entry;
    }
    if (difference.missing_on_target() && (table || column)) {
        entry.severity = Severity::error;
        entry.detail =
            table ? "on the source only: it is published, so the apply worker stops at its first "
                    "row (\"target relation does not exist\"). Create it here, then run ivory "
                    "replication start --refresh; or replicate with --track-ddl"
                  : "on the source only: the apply worker stops at the next change of its table "
                    "(\"missing replicated column\"). Add the column here (ALTER TABLE ... ADD "
                    "COLUMN) and the apply goes on; or replicate with --track-ddl";
        return entry;
    }
    entry.detail = "the schemas differ: " + difference.describe() +
                   " (ivory.schema_diff lists every difference)";
    return entry;
}

} // namespace

std::vector<StatusEntry> schema_drift_entries(const std::vector<SchemaDifference> &differences,
                                              bool ddl_pending) {
    std::vector<StatusEntry> entries;
    for (size_t i = 0; i < differences.size() && i < named_schema_differences; ++i)
        entries.push_back(drift_entry(differences[i], ddl_pending));
    if (differences.size() > named_schema_differences) {
        StatusEntry more;
        more.item = StatusItem::schema;
        more.name = "more";
        more.state = ItemState::differs;
        more.severity = Severity::warning;
        more.detail = std::to_string(differences.size() - named_schema_differences) +
                      " more difference(s): ivory.schema_diff lists them all";
        entries.push_back(more);
    }
    return entries;
}

} // namespace ivory
