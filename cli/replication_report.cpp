#include "replication_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace ivory::cli {

namespace {

const char *const initializing = "initializing";
const char *const copying = "copying";
const char *const ready_state = "ready";

// Anything but ok and warning counts as an error, so that a severity added
// on the server side later cannot make `status` pass by accident.
bool is_error(const StatusRow &row) {
    return row.severity != "ok" && row.severity != "warning";
}

LogLevel level_of_severity(const std::string &severity) {
    if (severity == "ok")
        return LogLevel::info;
    if (severity == "warning")
        return LogLevel::warning;
    return LogLevel::error;
}

// Finished tables first and those furthest from it last, so that the tables
// still being worked on stand right above the summary.
int stage_order(const std::string &state) {
    static const std::map<std::string, int> order = {
        {"ready", 0}, {"synchronized", 1}, {"copied", 2}, {"copying", 3}, {"initializing", 5}};
    const auto found = order.find(state);
    return found == order.end() ? 4 : found->second;
}

std::string format_percent(double percent) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", percent);
    return text;
}

std::string table_message(const StatusRow &row) {
    std::string message = "table " + row.name + ": " + row.state;
    if (row.state != copying)
        return message;
    const std::optional<double> percent = copy_percent(row);
    if (percent)
        message += " " + format_percent(*percent);
    if (row.bytes_copied && row.bytes_total)
        message +=
            " (" + human_bytes(*row.bytes_copied) + " of " + human_bytes(*row.bytes_total) + ")";
    else if (row.bytes_copied)
        message += " (" + human_bytes(*row.bytes_copied) + " copied)";
    return message;
}

std::string other_message(const StatusRow &row) {
    std::string message = row.item + " " + row.name + ": " + row.state;
    if (!row.detail.empty())
        message += " - " + row.detail;
    return message;
}

std::string count_of_tables(size_t count) {
    return std::to_string(count) + (count == 1 ? " table" : " tables");
}

// "49 of 51 tables ready, 1 copying, 1 initializing", states in stage order.
std::string table_summary(const std::vector<const StatusRow *> &tables) {
    std::map<std::string, size_t> per_state;
    for (const StatusRow *table : tables)
        ++per_state[table->state];
    std::vector<std::string> states;
    for (const auto &[state, count] : per_state)
        if (state != ready_state)
            states.push_back(state);
    std::stable_sort(states.begin(), states.end(), [](const std::string &a, const std::string &b) {
        return stage_order(a) < stage_order(b);
    });
    const size_t ready = per_state.count(ready_state) ? per_state.at(ready_state) : 0;
    std::string summary =
        std::to_string(ready) + " of " + count_of_tables(tables.size()) + " ready";
    for (const std::string &state : states)
        summary += ", " + std::to_string(per_state.at(state)) + " " + state;
    return summary;
}

} // namespace

std::optional<double> copy_percent(const StatusRow &row) {
    if (row.percent)
        return row.percent;
    if (row.bytes_copied && row.bytes_total && *row.bytes_total > 0)
        return std::min(99.9, 100.0 * static_cast<double>(*row.bytes_copied) /
                                  static_cast<double>(*row.bytes_total));
    return std::nullopt;
}

std::string action_message(const std::string &object_type, const std::string &object_name,
                           const std::string &action) {
    return object_type + " " + object_name + ": " + action;
}

std::string human_bytes(long long bytes) {
    static const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
    if (bytes < 1024 && bytes > -1024)
        return std::to_string(bytes) + " bytes";
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    value /= 1024;
    while ((value >= 1024 || value <= -1024) && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    // One decimal where it still says something: "1.5 MB" but "265 MB".
    if (value < 10 && value > -10)
        std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    else
        std::snprintf(text, sizeof text, "%.0f %s", value, units[unit]);
    return text;
}

StatusReport report_status(const std::vector<StatusRow> &rows, bool collapse_initializing) {
    StatusReport report;
    std::vector<const StatusRow *> tables;
    std::vector<std::string> problems;
    for (const StatusRow &row : rows) {
        if (is_error(row))
            report.ready = false;
        if (row.item == "table") {
            tables.push_back(&row);
            continue;
        }
        report.lines.push_back({level_of_severity(row.severity), other_message(row)});
        if (is_error(row))
            problems.push_back(row.item + " " + row.name + " " + row.state);
    }

    std::stable_sort(tables.begin(), tables.end(), [](const StatusRow *a, const StatusRow *b) {
        return stage_order(a->state) < stage_order(b->state);
    });
    size_t initializing_tables = 0;
    for (const StatusRow *table : tables) {
        if (collapse_initializing && table->state == initializing) {
            ++initializing_tables;
            continue;
        }
        report.lines.push_back({LogLevel::info, table_message(*table)});
    }
    if (initializing_tables > 0)
        report.lines.push_back(
            {LogLevel::info, count_of_tables(initializing_tables) + " " + initializing});

    const std::string tables_part = table_summary(tables);
    if (report.ready) {
        report.lines.push_back({LogLevel::info, "replication is ready: " + tables_part});
    } else if (problems.empty()) {
        // Only tables still in their initial copy: progress, not a fault.
        report.lines.push_back({LogLevel::warning, "replication is not ready yet: " + tables_part});
    } else {
        std::string message = "replication is not ready: ";
        for (const std::string &problem : problems)
            message += problem + "; ";
        report.lines.push_back({LogLevel::error, message + tables_part});
    }
    return report;
}

} // namespace ivory::cli
