#include "status.hpp"

#include <algorithm>
#include <utility>

#include "words.hpp"

namespace ivory {

namespace {

const std::pair<Severity, std::string_view> severity_words[] = {
    {Severity::ok, "ok"}, {Severity::warning, "warning"}, {Severity::error, "error"}};

const std::pair<StatusItem, std::string_view> item_words[] = {
    {StatusItem::subscription, "subscription"},
    {StatusItem::initial_copy, "initial copy"},
    {StatusItem::index, "index"},
    {StatusItem::worker, "worker"},
    {StatusItem::slot, "slot"},
    {StatusItem::sync_slot, "sync slot"},
    {StatusItem::lag, "lag"},
    {StatusItem::table, "table"},
    {StatusItem::feature, "feature"},
    {StatusItem::conflicts, "conflicts"},
    {StatusItem::schema, "schema"},
    {StatusItem::ddl, "ddl"},
    {StatusItem::unknown, "unknown"}};

const std::pair<ItemState, std::string_view> state_words[] = {
    {ItemState::enabled, "enabled"},
    {ItemState::disabled, "disabled"},
    {ItemState::running, "running"},
    {ItemState::not_running, "not running"},
    {ItemState::paused, "paused"},
    {ItemState::interrupted, "interrupted"},
    {ItemState::failed, "failed"},
    {ItemState::building, "building"},
    {ItemState::active, "active"},
    {ItemState::inactive, "inactive"},
    {ItemState::missing, "missing"},
    {ItemState::unknown, "unknown"},
    {ItemState::current, "current"},
    {ItemState::stale, "stale"},
    {ItemState::not_streaming, "not streaming"},
    {ItemState::queued, "queued"},
    {ItemState::initializing, "initializing"},
    {ItemState::copying, "copying"},
    {ItemState::copied, "copied"},
    {ItemState::synchronized, "synchronized"},
    {ItemState::ready, "ready"},
    {ItemState::used, "used"},
    {ItemState::none, "none"},
    {ItemState::seen, "seen"},
    {ItemState::differs, "differs"},
    {ItemState::tracked, "tracked"},
    {ItemState::pending, "pending"}};

} // namespace

std::string_view severity_word(Severity severity) {
    return word_of(severity_words, severity);
}

std::string_view item_word(StatusItem item) {
    return word_of(item_words, item);
}

std::string_view state_word(ItemState state) {
    return word_of(state_words, state);
}

std::optional<Severity> parse_severity(std::string_view word) {
    return parse_word(severity_words, word);
}

std::optional<StatusItem> parse_status_item(std::string_view word) {
    return parse_word(item_words, word);
}

std::optional<ItemState> parse_item_state(std::string_view word) {
    return parse_word(state_words, word);
}

ItemState table_state(char srsubstate) {
    switch (srsubstate) {
    case 'i':
        return ItemState::initializing;
    case 'd':
        return ItemState::copying;
    case 'f':
        return ItemState::copied;
    case 's':
        return ItemState::synchronized;
    case 'r':
        return ItemState::ready;
    default:
        return ItemState::unknown;
    }
}

std::optional<double> StatusEntry::percent() const {
    if (!bytes_copied || !bytes_total || *bytes_total <= 0)
        return std::nullopt;
    return std::min(99.9,
                    100.0 * static_cast<double>(*bytes_copied) / static_cast<double>(*bytes_total));
}

bool ReplicationStatus::has_error() const {
    return std::any_of(entries.begin(), entries.end(),
                       [](const StatusEntry &entry) { return entry.severity == Severity::error; });
}

std::optional<long long> ReplicationStatus::lag_bytes() const {
    for (const StatusEntry &entry : entries)
        if (entry.item == StatusItem::lag && entry.lag_bytes)
            return entry.lag_bytes;
    return std::nullopt;
}

std::vector<std::string> ReplicationStatus::blocking(long long max_lag) const {
    std::vector<std::string> waiting;
    for (const StatusEntry &entry : entries) {
        const bool too_far = entry.item == StatusItem::lag && entry.lag_bytes > max_lag;
        if (entry.severity != Severity::error && !too_far)
            continue;
        std::string what = std::string(item_word(entry.item)) + " " + entry.name + ": " +
                           std::string(state_word(entry.state));
        if (too_far)
            what += ", " + std::to_string(*entry.lag_bytes) + " bytes behind";
        waiting.push_back(what);
    }
    return waiting;
}

} // namespace ivory
