// The command table: every subcommand with its options and the function that
// runs it. Commands of one group (check, copyschema, copyroles, replication,
// syncsequences) live in one cmd_<group>.cpp; the cut-over commands verify,
// switchover, switchback and unlock-source in cmd_cutover.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "exit_codes.hpp"
#include "options.hpp"

// CLI11 is large; only the files that declare options include it.
namespace CLI {
class App;
}

namespace ivory::cli {

struct CommandGroupSpec {
    std::string_view name;
    std::string_view description;
};

struct Invocation;

struct CommandSpec {
    std::string_view group; // empty for a top-level command
    std::string_view name;
    std::string_view description;
    // Declares the command's options, bound to their field in `options`; an
    // option read from the environment gets its default through `environment`.
    void (*define_options)(CLI::App &command, CommandOptions &options,
                           const EnvironmentLookup &environment);
    ExitCode (*run)(const Invocation &invocation);
    // A typical command line, shown at the end of the command's --help (and
    // so in the man page, made from the --help texts).
    std::string_view example;

    // "check", "replication create"
    std::string full_name() const;
};

// The command line parsed: global options, the command chosen and its options.
struct Invocation {
    GlobalOptions global;
    const CommandSpec *command = nullptr; // an entry of command_table()
    CommandOptions options;
};

const std::vector<CommandGroupSpec> &command_groups();
const std::vector<CommandSpec> &command_table();

// cmd_check.cpp
void define_check_options(CLI::App &command, CommandOptions &options,
                          const EnvironmentLookup &environment);
ExitCode run_check(const Invocation &invocation);

// cmd_copyschema.cpp
void define_copyschema_options(CLI::App &command, CommandOptions &options,
                               const EnvironmentLookup &environment);
ExitCode run_copyschema(const Invocation &invocation);

// cmd_replication.cpp
void define_replication_create_options(CLI::App &command, CommandOptions &options,
                                       const EnvironmentLookup &environment);
ExitCode run_replication_create(const Invocation &invocation);
void define_replication_start_options(CLI::App &command, CommandOptions &options,
                                      const EnvironmentLookup &environment);
ExitCode run_replication_start(const Invocation &invocation);
void define_replication_status_options(CLI::App &command, CommandOptions &options,
                                       const EnvironmentLookup &environment);
ExitCode run_replication_status(const Invocation &invocation);
void define_replication_stop_options(CLI::App &command, CommandOptions &options,
                                     const EnvironmentLookup &environment);
ExitCode run_replication_stop(const Invocation &invocation);
void define_replication_ddl_options(CLI::App &command, CommandOptions &options,
                                    const EnvironmentLookup &environment);
ExitCode run_replication_ddl(const Invocation &invocation);
void define_replication_drop_options(CLI::App &command, CommandOptions &options,
                                     const EnvironmentLookup &environment);
ExitCode run_replication_drop(const Invocation &invocation);

// cmd_copyroles.cpp
void define_copyroles_options(CLI::App &command, CommandOptions &options,
                              const EnvironmentLookup &environment);
ExitCode run_copyroles(const Invocation &invocation);

// cmd_syncsequences.cpp
void define_syncsequences_options(CLI::App &command, CommandOptions &options,
                                  const EnvironmentLookup &environment);
ExitCode run_syncsequences(const Invocation &invocation);

// cmd_cutover.cpp
void define_verify_options(CLI::App &command, CommandOptions &options,
                           const EnvironmentLookup &environment);
ExitCode run_verify(const Invocation &invocation);
void define_switchover_options(CLI::App &command, CommandOptions &options,
                               const EnvironmentLookup &environment);
ExitCode run_switchover(const Invocation &invocation);
// switchover --all-databases: each database prepared (up to the online
// verify), then every source database locked, then each finished: one
// read-only window for all of them.
ExitCode run_switchover_all_databases(const Invocation &invocation,
                                      const std::vector<std::string> &databases);
void define_switchback_options(CLI::App &command, CommandOptions &options,
                               const EnvironmentLookup &environment);
ExitCode run_switchback(const Invocation &invocation);
void define_unlock_source_options(CLI::App &command, CommandOptions &options,
                                  const EnvironmentLookup &environment);
ExitCode run_unlock_source(const Invocation &invocation);

} // namespace ivory::cli
