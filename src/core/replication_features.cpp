#include "replication_features.hpp"

#include "quote.hpp"
#include "replication_naming.hpp"

namespace ivory {

ReplicationFeatures replication_features(int source_version_num, int target_version_num) {
    ReplicationFeatures features;
    if (target_version_num >= 160000)
        features.streaming = "parallel";
    features.failover_slot = source_version_num >= 170000 && target_version_num >= 170000;
    features.conflict_statistics = target_version_num >= 180000;
    return features;
}

std::string subscription_options(const ReplicationFeatures &features) {
    std::string options = ", streaming = " + features.streaming;
    if (features.failover_slot)
        options += ", failover = true";
    return options;
}

std::string create_slot_sql(const std::string &slot, const ReplicationFeatures &features) {
    // From 17: (slot_name, plugin, temporary, twophase, failover).
    return "SELECT pg_catalog.pg_create_logical_replication_slot(" + quote_literal(slot) +
           ", 'pgoutput'" + (features.failover_slot ? ", false, false, true" : "") + ")";
}

std::string create_slot_if_missing_sql(const std::string &slot,
                                       const ReplicationFeatures &features) {
    return create_slot_sql(slot, features) +
           " WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = " +
           quote_literal(slot) + ")";
}

std::string create_exported_slot_command(const std::string &slot,
                                         const ReplicationFeatures &features) {
    // The option list is 15's syntax, FAILOVER 17's; EXPORT_SNAPSHOT is the
    // older sources' spelling.
    const std::string name = sql_identifier(slot);
    if (features.failover_slot)
        return "CREATE_REPLICATION_SLOT " + name + " LOGICAL pgoutput (SNAPSHOT 'export', FAILOVER)";
    return "CREATE_REPLICATION_SLOT " + name + " LOGICAL pgoutput EXPORT_SNAPSHOT";
}

} // namespace ivory
