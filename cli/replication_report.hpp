// How `ivory replication ...` reports what the ivory.replication_* functions
// return: the actions of create and drop, and the status as lines a person can
// follow during a long initial copy.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "log.hpp"

namespace ivory::cli {

// "<object_type> <object_name>: <action>", e.g. "role ivory_replicator: created".
std::string action_message(const std::string &object_type, const std::string &object_name,
                           const std::string &action);

// A size for people, in 1024 steps as pg_size_pretty: "512 bytes", "1.5 MB", "265 MB".
std::string human_bytes(long long bytes);

// One row of ivory.replication_status().
struct StatusRow {
    std::string item; // subscription, worker, slot, sync slot, lag, table
    std::string name;
    std::string state;
    std::string severity; // ok, warning, error
    std::string detail;
    std::optional<long long> bytes_copied; // set while a table is being copied
    std::optional<long long> bytes_total;
    std::optional<double> percent;
};

// The row's copy percentage: the server's, or bytes copied of total (at most
// 99.9 while copying); none without either.
std::optional<double> copy_percent(const StatusRow &row);

struct StatusLine {
    LogLevel level;
    std::string message;
};

struct StatusReport {
    std::vector<StatusLine> lines;
    bool ready = true; // no row has severity error: `status` exits 0
};

// Every non-table row as "<item> <name>: <state> - <detail>" at the level of its
// severity; then the tables, finished ones first and those still waiting last,
// each as "table <name>: <state>" (INFO: an initial copy in progress is not a
// fault), a table being copied with its progress ("copying 45.2% (120 MB of
// 265 MB)"); with `collapse_initializing`, the tables not yet started as one
// line "37 tables initializing"; finally a summary of the table states.
StatusReport report_status(const std::vector<StatusRow> &rows, bool collapse_initializing);

} // namespace ivory::cli
