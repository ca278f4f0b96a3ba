// How `ivory replication ...` reports what the ivory.replication_* functions
// return: the actions of create and drop, and the status (read back into the
// extension's own StatusEntry, src/core/status.hpp) as lines a person can
// follow during a long initial copy.
#pragma once

#include <string>
#include <vector>

#include "../src/core/status.hpp"
#include "log.hpp"

namespace ivory::cli {

// "<object_type> <object_name>: <action>", e.g. "role ivory_replicator: created";
// a source role that is used as it is says so ("role app: used as the
// subscription's login (not a superuser: ...)").
std::string action_message(const std::string &object_type, const std::string &object_name,
                           const std::string &action);

struct StatusLine {
    LogLevel level;
    std::string message;
};

struct StatusReport {
    std::vector<StatusLine> lines;
    bool ready = true; // no entry has severity error: `status` exits 0
};

// Every non-table entry as "<item> <name>: <state> - <detail>" at the level of
// its severity; then the tables, finished ones first and those still waiting
// last, each as "table <name>: <state>" (INFO: an initial copy in progress is
// not a fault), a table being copied with its progress ("copying 45.2% (120 MB
// of 265 MB)"); with `collapse_initializing`, the tables not yet started as
// one line "37 tables initializing"; finally a summary of the table states.
StatusReport report_status(const std::vector<StatusEntry> &entries, bool collapse_initializing);

} // namespace ivory::cli
