// ivory copyschema
#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace ivory::cli {

void define_copyschema_options(CLI::App &command, CommandOptions &options,
                               const EnvironmentLookup &) {
    command
        .add_option("-d,--maintenance-db", options.copyschema.maintenance_db,
                    "Database to connect to while the target database is dropped and created.")
        ->capture_default_str();
}

ExitCode run_copyschema(const Invocation &invocation) {
    return report_not_implemented(invocation);
}

} // namespace ivory::cli
