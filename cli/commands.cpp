#include "commands.hpp"

namespace ivory::cli {

std::string CommandSpec::full_name() const {
    return group.empty() ? std::string(name) : std::string(group) + " " + std::string(name);
}

const std::vector<CommandGroupSpec> &command_groups() {
    static const std::vector<CommandGroupSpec> groups = {
        {"replication", "Manage logical replication."},
    };
    return groups;
}

const std::vector<CommandSpec> &command_table() {
    static const std::vector<CommandSpec> table = {
        {"", "check", "Check whether databases are ready.", define_check_options, run_check,
         "SOURCE_PASSWORD=... ivory --source-host old-db --source-user postgres --source-dbname "
         "shop "
         "--target-host new-db --target-dbname shop check --no-webbrowser"},
        {"", "copyroles",
         "Create or alter on the target cluster the source cluster's roles, their memberships, "
         "settings and comments.",
         define_copyroles_options, run_copyroles,
         "ivory --source-host old-db --source-dbname shop --target-host new-db --target-dbname "
         "shop "
         "copyroles --dry-run"},
        {"", "copyschema", "Synchronize database schemas.", define_copyschema_options,
         run_copyschema,
         "ivory --source-host old-db --source-dbname shop --target-host new-db --target-dbname "
         "shop "
         "copyschema"},
        {"replication", "create",
         "Set up logical replication from the source to the target database.",
         define_replication_create_options, run_replication_create,
         "ivory --source-host old-db --source-dbname shop --target-host new-db --target-dbname "
         "shop "
         "replication create"},
        {"replication", "start", "Start logical replication.", define_replication_start_options,
         run_replication_start,
         "ivory --target-host new-db --target-dbname shop replication start"},
        {"replication", "status", "Display replication status.", define_replication_status_options,
         run_replication_status,
         "ivory --target-host new-db --target-dbname shop replication status --watch 5"},
        {"replication", "stop", "Stop logical replication.", define_replication_stop_options,
         run_replication_stop, "ivory --target-host new-db --target-dbname shop replication stop"},
        {"replication", "drop", "Drop logical replication from the source to the target database.",
         define_replication_drop_options, run_replication_drop,
         "ivory --source-host old-db --source-dbname shop --target-host new-db --target-dbname "
         "shop "
         "replication drop"},
        {"replication", "ddl",
         "List the DDL commands recorded on the source (--track-ddl); skip or retry one.",
         define_replication_ddl_options, run_replication_ddl,
         "ivory --target-host new-db --target-dbname shop replication ddl --skip 7"},
        {"", "syncsequences", "Set target sequences ahead of their source values.",
         define_syncsequences_options, run_syncsequences,
         "ivory --source-host old-db --source-dbname shop --target-host new-db --target-dbname "
         "shop "
         "syncsequences --fixed-offset 1000"},
        {"", "verify", "Compare the published tables' rows on the source and the target.",
         define_verify_options, run_verify,
         "ivory --source-host old-db --source-dbname shop --target-host new-db --target-dbname "
         "shop "
         "--json verify"},
        {"", "switchover",
         "Lock the source, let the target catch up, sync sequences, copy large objects, verify "
         "the data, drop the replication.",
         define_switchover_options, run_switchover,
         "ivory --source-host old-db --source-dbname shop --target-host new-db --target-dbname "
         "shop "
         "switchover --max-lag 1000000 --timeout 120"},
        {"", "switchback",
         "Return to the source through the way back 'switchover --reverse' left: lock the "
         "target, let the source catch up, sync sequences, verify, drop the way back, unlock "
         "the source.",
         define_switchback_options, run_switchback,
         "ivory --source-host old-db --source-dbname shop --target-host new-db --target-dbname "
         "shop "
         "switchback --timeout 120"},
        {"", "unlock-source", "Make the source database writable again after a switchover.",
         define_unlock_source_options, run_unlock_source,
         "ivory --source-host old-db --source-dbname shop --target-host new-db --target-dbname "
         "shop "
         "unlock-source"},
    };
    return table;
}

} // namespace ivory::cli
