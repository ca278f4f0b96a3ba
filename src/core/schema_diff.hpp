// The schema comparison: catalog facts of both sides, compared object by object
// and attribute by attribute, so that a difference names what differs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rows.hpp"

namespace ivory {

// One fact of a catalog: an object exists (attribute empty), or one of its
// attributes has a value. `parent` is the key ("table public.t") of the object
// this one belongs to, so that a missing table is not reported column by column.
struct SchemaFact {
    std::string object_type;
    std::string object_name;
    std::string parent;
    std::string attribute;
    std::optional<std::string> value;
};

struct SchemaDifference {
    std::string object_type;
    std::string object_name;
    std::string attribute;                   // empty: the object itself is missing
    std::optional<std::string> source_value; // for a missing object: nullopt on its
    std::optional<std::string> target_value; // missing side, "" on the other

    bool missing_on_source() const { return attribute.empty() && !source_value; }
    bool missing_on_target() const { return attribute.empty() && !target_value; }
    // "column public.orders.total: numeric(12,2) on source, numeric on target"
    std::string describe() const;
};

// Facts from the rows of catalog_queries' schema query
// (object_type, object_name, parent, attribute, value). The rows' text is
// moved, not copied: at 2,000 tables a side's rows run to megabytes.
std::vector<SchemaFact> facts_from_rows(Rows &&rows);

// Differences in a stable order: by object type, then name, then attribute.
std::vector<SchemaDifference> diff_schemas(const std::vector<SchemaFact> &source,
                                           const std::vector<SchemaFact> &target);

} // namespace ivory
