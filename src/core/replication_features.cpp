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

std::string create_temporary_exported_slot_command(const std::string &slot,
                                                   int source_version_num) {
    const std::string command =
        "CREATE_REPLICATION_SLOT " + sql_identifier(slot) + " TEMPORARY LOGICAL pgoutput ";
    return command + (source_version_num >= 150000 ? "(SNAPSHOT 'export')" : "EXPORT_SNAPSHOT");
}

} // namespace ivory
