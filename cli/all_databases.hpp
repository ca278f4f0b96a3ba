// --all-databases: a command run for every database of the source, each to
// the target database of the same name. switchover runs in phases across all
// of them (cmd_cutover.cpp), so that they share one read-only window.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "log.hpp"

namespace ivory::cli {

// Whether `command` ("replication start") takes --all-databases.
bool runs_for_all_databases(const CommandSpec &command);

// The source's databases that take connections, but the templates and the
// maintenance database postgres, by name; listed through --source-dbname
// (postgres when unset). nullopt when the list could not be read (logged).
std::optional<std::vector<std::string>> source_databases(const GlobalOptions &global,
                                                         const Logger &log);

// A database's subscription under --all-databases: "ivory_subscription_shop".
// Its slot, named after it, must differ from the other databases' on the
// source cluster.
std::string subscription_for_database(const std::string &subscription, const std::string &database);

// The invocation for one database: source and target database `name`, and
// the subscription of subscription_for_database.
Invocation for_database(const Invocation &invocation, const std::string &name);

// Runs the command once per database, each after a line naming it; the
// worst exit status. With --json, one JSON object of each database's
// document by its name.
ExitCode run_for_all_databases(const Invocation &invocation);

} // namespace ivory::cli
