// The schema differences found by `ivory check` as one self-contained HTML
// page: source on the left, target on the right, one row per difference.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ivory::cli {

// A row of ivory.schema_diff(): a value is nullopt on the side where the object
// or attribute is missing. An empty attribute means the object itself.
struct SchemaDiffRow {
    std::string object_type;
    std::string object_name;
    std::string attribute;
    std::optional<std::string> source_value;
    std::optional<std::string> target_value;
};

struct SchemaDiffReport {
    std::string source_description; // without password
    std::string target_description; // without password
    std::string generated_at;       // e.g. "2024-05-01 12:00:00 UTC"
    std::vector<SchemaDiffRow> rows;
};

// & < > " ' as character references; safe in text and in quoted attributes.
std::string html_escape(std::string_view text);

// The whole page: inline CSS, no scripts, no external resources.
std::string render_schema_diff_html(const SchemaDiffReport &report);

} // namespace ivory::cli
