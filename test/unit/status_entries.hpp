// Status entries for the CLI's report tests, from the words the server sends
// (an unknown word reads as the CLI reads it: unknown, or an error).
#pragma once

#include <optional>
#include <string>

#include "../../src/core/status.hpp"

inline ivory::StatusEntry status_entry(const std::string &item, const std::string &name,
                                       const std::string &state, const std::string &severity,
                                       const std::string &detail = "",
                                       std::optional<long long> copied = std::nullopt,
                                       std::optional<long long> total = std::nullopt) {
    ivory::StatusEntry entry;
    entry.item = ivory::parse_status_item(item).value_or(ivory::StatusItem::unknown);
    entry.name = name;
    entry.state = ivory::parse_item_state(state).value_or(ivory::ItemState::unknown);
    entry.severity = ivory::parse_severity(severity).value_or(ivory::Severity::error);
    entry.detail = detail;
    entry.bytes_copied = copied;
    entry.bytes_total = total;
    return entry;
}
