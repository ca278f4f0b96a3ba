// What each pair of PostgreSQL versions offers ivory's replication beyond the
// oldest pair, decided in one place from the two server_version_num values:
// the subscription's options, the slot's creation, and what status reports.
#pragma once

#include <string>

namespace ivory {

struct ReplicationFeatures {
    // CREATE SUBSCRIPTION's streaming: "on" streams a large transaction while
    // it runs (the source decodes in-progress transactions from 14, older
    // sources ignore it); "parallel" (target 16+) also applies it by parallel
    // workers as it arrives.
    std::string streaming = "on";
    // Source and target 17+: the slot is made with failover and the
    // subscription with failover = true, so that a standby of the source that
    // synchronises slots can carry the replication on after a failover.
    bool failover_slot = false;
    // Target 18+: pg_stat_subscription_stats counts apply conflicts.
    bool conflict_statistics = false;
};

ReplicationFeatures replication_features(int source_version_num, int target_version_num);

// The options CREATE SUBSCRIPTION gets beyond connect and slot_name, each
// ", name = value".
std::string subscription_options(const ReplicationFeatures &features);

// The call that makes the subscription's slot on the source (pgoutput, in the
// connected database).
std::string create_slot_sql(const std::string &slot, const ReplicationFeatures &features);

// The replication command that makes a temporary slot exporting its
// snapshot, for ivory's initial copy, on a source of that version: the
// option list is 15's syntax, EXPORT_SNAPSHOT the older sources' spelling.
std::string create_temporary_exported_slot_command(const std::string &slot,
                                                   int source_version_num);

} // namespace ivory
