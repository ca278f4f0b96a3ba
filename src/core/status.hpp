// The replication status as facts: what ivory.replication_status reports and
// what switchover and the CLI decide on. The words of items, states and
// severities are defined here once; SQL rows are made of them at the fmgr
// edge, and the CLI reads them back with the parse_* functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ivory {

enum class Severity { ok, warning, error };

// `unknown`: a word of another build, never made by this one.
enum class StatusItem {
    subscription,
    initial_copy,
    index,
    worker,
    slot,
    sync_slot,
    lag,
    table,
    feature,   // what the versions offer and ivory uses (streaming, failover slot)
    conflicts, // apply conflicts counted by the target (18+)
    schema,    // a difference of the two sides' schemas
    ddl,       // DDL commands recorded on the source (track_ddl)
    unknown
};

enum class ItemState {
    // subscription
    enabled,
    disabled,
    // initial copy, worker
    running,
    not_running,
    paused,      // initial copy: stopped by stop, resumed by start
    interrupted, // initial copy: its workers are gone (a crash), resumed by start
    failed,      // initial copy, table: a table's copy failed
    // index
    building,
    // slot, sync slot
    active,
    inactive,
    missing,
    unknown,
    // lag
    current,
    stale,
    not_streaming,
    // table (pg_subscription_rel.srsubstate, and ivory's own copy)
    queued, // waits for one of ivory's copy workers
    initializing,
    copying,
    copied,
    synchronized,
    ready,
    // feature
    used,
    // conflicts
    none,
    seen,
    // schema
    differs,
    // ddl
    tracked, // the summary of the recorded commands
    pending, // recorded, not applied here yet (failed: the apply stops at it)
};

std::string_view severity_word(Severity severity);
std::string_view item_word(StatusItem item);
std::string_view state_word(ItemState state);

// The word read back; nullopt for a word this build does not know.
std::optional<Severity> parse_severity(std::string_view word);
std::optional<StatusItem> parse_status_item(std::string_view word);
std::optional<ItemState> parse_item_state(std::string_view word);

// A table's pg_subscription_rel.srsubstate; `unknown` for a letter this build
// does not know.
ItemState table_state(char srsubstate);

// One item of the status: a row of ivory.replication_status.
struct StatusEntry {
    StatusItem item = StatusItem::subscription;
    std::string name;
    ItemState state = ItemState::unknown;
    Severity severity = Severity::error;
    std::string detail;
    std::optional<long long> bytes_copied; // a table or index being copied / built
    std::optional<long long> bytes_total;
    std::optional<long long> lag_bytes;   // lag: WAL not yet confirmed by the subscriber
    std::optional<long long> age_seconds; // lag: since the last message; initial copy: running

    // bytes_copied of bytes_total, at most 99.9 while not done; none without both.
    std::optional<double> percent() const;
};

struct ReplicationStatus {
    std::vector<StatusEntry> entries;

    bool has_error() const;
    // The main slot's lag; none when the source could not be read.
    std::optional<long long> lag_bytes() const;
    // "item name: state" of each entry with severity error, or whose lag is
    // above `max_lag`: what a switchover still waits for.
    std::vector<std::string> blocking(long long max_lag) const;
};

} // namespace ivory
