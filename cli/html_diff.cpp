#include "html_diff.hpp"

#include <algorithm>

namespace ivory::cli {

namespace {

const char *const page_style = R"(
body { font-family: sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.4em; margin-bottom: 0.3em; }
dl.about { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.about dt { font-weight: bold; }
dl.about dd { margin: 0; font-family: monospace; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin-top: 1em; }
th, td { border: 1px solid #d0d7de; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
th { background: #f6f8fa; }
col.object { width: 22%; } col.attribute { width: 12%; } col.value { width: 33%; }
td.value { font-family: monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
td.source.changed { background: #fff5f5; } td.target.changed { background: #f3fff5; }
td.source mark { background: #ffc0c0; } td.target mark { background: #abf2bc; }
td.missing { background: #fff8c5; color: #7d4e00; font-style: italic; font-family: sans-serif; }
td.present { color: #57606a; font-family: sans-serif; }
.type { color: #57606a; font-size: 0.85em; display: block; }
.empty { color: #57606a; font-style: italic; }
)";

bool is_utf8_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The lengths of the common beginning and end of two values, cut at character
// boundaries so that a <mark> never splits a UTF-8 sequence.
std::pair<size_t, size_t> common_prefix_and_suffix(const std::string &a, const std::string &b) {
    const size_t shorter = std::min(a.size(), b.size());
    size_t prefix = 0;
    while (prefix < shorter && a[prefix] == b[prefix])
        ++prefix;
    while (prefix > 0 && ((prefix < a.size() && is_utf8_continuation(a[prefix])) ||
                          (prefix < b.size() && is_utf8_continuation(b[prefix]))))
        --prefix;
    size_t suffix = 0;
    while (suffix < shorter - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    while (suffix > 0 && is_utf8_continuation(a[a.size() - suffix]))
        --suffix;
    return {prefix, suffix};
}

// The value with its part that differs from `other` marked.
std::string marked_value(const std::string &value, const std::string &other) {
    if (value.empty())
        return "<span class=\"empty\">(empty)</span>";
    const auto [prefix, suffix] = common_prefix_and_suffix(value, other);
    const std::string middle = value.substr(prefix, value.size() - prefix - suffix);
    return html_escape(value.substr(0, prefix)) +
           (middle.empty() ? "" : "<mark>" + html_escape(middle) + "</mark>") +
           html_escape(value.substr(value.size() - suffix));
}

std::string value_cell(const char *side, const SchemaDiffRow &row,
                       const std::optional<std::string> &value,
                       const std::optional<std::string> &other) {
    const std::string classes = std::string("value ") + side;
    if (!value)
        return "<td class=\"" + classes + " missing\">missing</td>";
    // A missing object's other side carries no value worth showing.
    if (row.attribute.empty() && value->empty())
        return "<td class=\"" + classes + " present\">present</td>";
    if (!other)
        return "<td class=\"" + classes + "\">" +
               (value->empty() ? "<span class=\"empty\">(empty)</span>" : html_escape(*value)) +
               "</td>";
    return "<td class=\"" + classes + " changed\">" + marked_value(*value, *other) + "</td>";
}

std::string diff_row(const SchemaDiffRow &row) {
    return "<tr>"
           "<td class=\"object\"><span class=\"type\">" +
           html_escape(row.object_type) + "</span>" + html_escape(row.object_name) +
           "</td>"
           "<td class=\"attribute\">" +
           (row.attribute.empty() ? "<span class=\"empty\">(object)</span>"
                                  : html_escape(row.attribute)) +
           "</td>" + value_cell("source", row, row.source_value, row.target_value) +
           value_cell("target", row, row.target_value, row.source_value) + "</tr>\n";
}

} // namespace

std::string html_escape(std::string_view text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            escaped += "&amp;";
            break;
        case '<':
            escaped += "&lt;";
            break;
        case '>':
            escaped += "&gt;";
            break;
        case '"':
            escaped += "&quot;";
            break;
        case '\'':
            escaped += "&#39;";
            break;
        default:
            escaped += c;
        }
    }
    return escaped;
}

std::string render_schema_diff_html(const SchemaDiffReport &report) {
    std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       // Nothing may load from elsewhere, whatever a value contains.
                       "<meta http-equiv=\"Content-Security-Policy\" "
                       "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
                       "<title>ivory: schema differences</title>\n<style>";
    page += page_style;
    page += "</style>\n</head>\n<body>\n<h1>Schema differences between source and target</h1>\n"
            "<dl class=\"about\">\n<dt>Source</dt><dd>" +
            html_escape(report.source_description) + "</dd>\n<dt>Target</dt><dd>" +
            html_escape(report.target_description) + "</dd>\n<dt>Generated</dt><dd>" +
            html_escape(report.generated_at) + "</dd>\n<dt>Differences</dt><dd>" +
            std::to_string(report.rows.size()) + "</dd>\n</dl>\n";
    page += "<table>\n<colgroup><col class=\"object\"><col class=\"attribute\">"
            "<col class=\"value\"><col class=\"value\"></colgroup>\n"
            "<thead><tr><th>Object</th><th>Attribute</th><th>Source</th><th>Target</th></tr>"
            "</thead>\n<tbody>\n";
    for (const SchemaDiffRow &row : report.rows)
        page += diff_row(row);
    if (report.rows.empty())
        page += "<tr><td colspan=\"4\">No differences.</td></tr>\n";
    page += "</tbody>\n</table>\n</body>\n</html>\n";
    return page;
}

} // namespace ivory::cli
