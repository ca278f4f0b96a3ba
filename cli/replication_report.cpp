#include "replication_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "../src/core/strings.hpp"

namespace ivory::cli {

namespace {

std::string word(ItemState state) {
    return std::string(state_word(state));
}

std::string word(StatusItem item) {
    return std::string(item_word(item));
}

LogLevel level_of_severity(Severity severity) {
    switch (severity) {
    case Severity::ok:
        return LogLevel::info;
    case Severity::warning:
        return LogLevel::warning;
    case Severity::error:
        break;
    }
    return LogLevel::error;
}

// Finished tables first and those furthest from it last, so that the tables
// still being worked on stand right above the summary.
int stage_order(ItemState state) {
    switch (state) {
    case ItemState::ready:
        return 0;
    case ItemState::synchronized:
        return 1;
    case ItemState::copied:
        return 2;
    case ItemState::copying:
        return 3;
    case ItemState::initializing:
        return 5;
    default:
        return 4;
    }
}

std::string format_percent(double percent) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", percent);
    return text;
}

std::string table_message(const StatusEntry &table) {
    std::string message = "table " + table.name + ": " + word(table.state);
    if (table.state != ItemState::copying)
        return message;
    if (const std::optional<double> percent = table.percent())
        message += " " + format_percent(*percent);
    if (table.bytes_copied && table.bytes_total)
        message += " (" + human_bytes(*table.bytes_copied) + " of " +
                   human_bytes(*table.bytes_total) + ")";
    else if (table.bytes_copied)
        message += " (" + human_bytes(*table.bytes_copied) + " copied)";
    return message;
}

std::string other_message(const StatusEntry &entry) {
    std::string message = word(entry.item) + " " + entry.name + ": " + word(entry.state);
    if (!entry.detail.empty())
        message += " - " + entry.detail;
    return message;
}

std::string count_of_tables(size_t count) {
    return std::to_string(count) + (count == 1 ? " table" : " tables");
}

// "49 of 51 tables ready, 1 copying, 1 initializing", states in stage order.
std::string table_summary(const std::vector<const StatusEntry *> &tables) {
    std::map<ItemState, size_t> per_state;
    for (const StatusEntry *table : tables)
        ++per_state[table->state];
    std::vector<ItemState> states;
    for (const auto &[state, count] : per_state)
        if (state != ItemState::ready)
            states.push_back(state);
    std::stable_sort(states.begin(), states.end(),
                     [](ItemState a, ItemState b) { return stage_order(a) < stage_order(b); });
    const size_t ready = per_state.count(ItemState::ready) ? per_state.at(ItemState::ready) : 0;
    std::string summary =
        std::to_string(ready) + " of " + count_of_tables(tables.size()) + " ready";
    for (const ItemState state : states)
        summary += ", " + std::to_string(per_state.at(state)) + " " + word(state);
    return summary;
}

} // namespace

std::string action_message(const std::string &object_type, const std::string &object_name,
                           const std::string &action) {
    std::string message = object_type + " " + object_name + ": " + action;
    // A source role that is not a superuser replicates as itself.
    if (object_type == "role" && action == "used")
        message += " as the subscription's login (not a superuser: ivory makes no role on the "
                   "source)";
    return message;
}

StatusReport report_status(const std::vector<StatusEntry> &entries, bool collapse_initializing) {
    StatusReport report;
    std::vector<const StatusEntry *> tables;
    std::vector<std::string> problems;
    for (const StatusEntry &entry : entries) {
        const bool error = entry.severity == Severity::error;
        if (error)
            report.ready = false;
        if (entry.item == StatusItem::table) {
            tables.push_back(&entry);
            continue;
        }
        report.lines.push_back({level_of_severity(entry.severity), other_message(entry)});
        if (error)
            problems.push_back(word(entry.item) + " " + entry.name + " " + word(entry.state));
    }

    std::stable_sort(tables.begin(), tables.end(), [](const StatusEntry *a, const StatusEntry *b) {
        return stage_order(a->state) < stage_order(b->state);
    });
    size_t initializing_tables = 0;
    for (const StatusEntry *table : tables) {
        if (collapse_initializing && table->state == ItemState::initializing) {
            ++initializing_tables;
            continue;
        }
        report.lines.push_back({LogLevel::info, table_message(*table)});
    }
    if (initializing_tables > 0)
        report.lines.push_back({LogLevel::info, count_of_tables(initializing_tables) + " " +
                                                    word(ItemState::initializing)});

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
