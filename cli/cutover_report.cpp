#include "cutover_report.hpp"

#include <cmath>
#include <cstdio>

namespace ivory::cli {

namespace {

std::string count_text(std::optional<long long> count) {
    return count ? std::to_string(*count) : "?";
}

std::string plural(size_t count, const std::string &singular, const std::string &plural_form) {
    return std::to_string(count) + " " + (count == 1 ? singular : plural_form);
}

std::string with_detail(std::string message, const std::string &detail) {
    if (!detail.empty())
        message += " - " + detail;
    return message;
}

} // namespace

std::string text_array_literal(const std::vector<std::string> &elements) {
    std::string literal = "{";
    for (size_t i = 0; i < elements.size(); ++i) {
        if (i > 0)
            literal += ',';
        literal += '"';
        for (const char c : elements[i]) {
            if (c == '"' || c == '\\')
                literal += '\\';
            literal += c;
        }
        literal += '"';
    }
    return literal + "}";
}

std::string sql_double(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

std::string sequence_message(const SequenceSetting &row) {
    const std::string action = row.action.empty() ? "set" : row.action;
    return "sequence " + row.sequence_name + ": " + action + " to " + count_text(row.target_value) +
           (row.source_value ? " (source at " + std::to_string(*row.source_value) + ")"
                             : " (source not used yet)");
}

std::string sequences_summary(const std::vector<SequenceSetting> &rows, bool dry_run) {
    if (rows.empty())
        return "the source database has no sequences";
    const std::string count = plural(rows.size(), "sequence", "sequences");
    return dry_run ? "dry run: " + count + " would be set, nothing changed" : count + " set";
}

LogLevel verify_level(const TableVerdict &row) {
    if (!row.matches)
        return LogLevel::warning;
    return *row.matches ? LogLevel::info : LogLevel::error;
}

std::string verify_message(const TableVerdict &row) {
    const std::string table = "table " + row.table_name + ": ";
    if (!row.matches)
        return table + "not compared: " +
               (row.detail.empty() ? "it changed on the source during the comparison" : row.detail);
    if (*row.matches) {
        const std::string rows = row.source_rows == std::optional<long long>(1)
                                     ? "1 row"
                                     : count_text(row.source_rows) + " rows";
        return with_detail(table + rows + ", matches", row.detail);
    }
    return with_detail(table + "differs: " + count_text(row.source_rows) + " rows on the source, " +
                           count_text(row.target_rows) + " on the target",
                       row.detail);
}

bool verify_fails(const std::vector<TableVerdict> &rows) {
    for (const TableVerdict &row : rows)
        if (row.matches == std::optional<bool>(false))
            return true;
    return false;
}

std::string verify_summary(const std::vector<TableVerdict> &rows) {
    if (rows.empty())
        return "the publication has no tables";
    std::string differing;
    size_t differ_count = 0;
    size_t unknown_count = 0;
    for (const TableVerdict &row : rows) {
        if (!row.matches) {
            ++unknown_count;
        } else if (!*row.matches) {
            ++differ_count;
            differing += (differing.empty() ? "" : ", ") + row.table_name;
        }
    }
    std::string summary =
        differ_count == 0
            ? (unknown_count == 0
                   ? (rows.size() == 1 ? "1 table matches"
                                       : std::to_string(rows.size()) + " tables match")
                   : std::to_string(rows.size() - unknown_count) + " of " +
                         plural(rows.size(), "table", "tables") + " match")
            : std::to_string(differ_count) + " of " + plural(rows.size(), "table", "tables") +
                  (differ_count == 1 ? " differs: " : " differ: ") + differing;
    if (unknown_count > 0)
        summary += ", " + std::to_string(unknown_count) +
                   " changed on the source during the comparison (run verify again)";
    return summary;
}

std::string format_seconds(std::optional<double> seconds) {
    if (!seconds || std::isnan(*seconds))
        return "? s";
    char text[64];
    std::snprintf(text, sizeof text, *seconds >= 100 ? "%.1f s" : "%.2f s", *seconds);
    return text;
}

std::string switchover_message(const SwitchoverStep &row, bool dry_run) {
    const std::optional<CutoverStep> step = parse_cutover_step(row.step);
    if (step == CutoverStep::total)
        return with_detail((dry_run ? "the dry run took " : "switchover took ") +
                               format_seconds(row.seconds),
                           dry_run ? "" : row.detail);
    if (step == CutoverStep::target_read_only)
        return with_detail("the target was read-only for " + format_seconds(row.seconds),
                           row.detail);
    if (step == CutoverStep::source_read_only)
        return with_detail((dry_run ? "forecast: the source would be read-only for about "
                                    : "the source was read-only for ") +
                               format_seconds(row.seconds),
                           row.detail);
    return with_detail(row.step + ": " + format_seconds(row.seconds), row.detail);
}

} // namespace ivory::cli
