// ivory copyroles: one call of ivory.copy_roles in the target database; each
// row it returns is logged, its warnings as warnings.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "json_output.hpp"
#include "target.hpp"

namespace ivory::cli {

namespace {

const char *const copy_roles_query =
    "SELECT role_name, action, detail FROM ivory.copy_roles(source => $1, dry_run => $2::boolean)";

const Logger &roles_log() {
    static const Logger log("ivory.copyroles");
    return log;
}

} // namespace

void define_copyroles_options(CLI::App &command, CommandOptions &options,
                              const EnvironmentLookup &) {
    command.add_flag("-n,--dry-run", options.copyroles.dry_run,
                     "Show what would be done, change nothing.");
}

ExitCode run_copyroles(const Invocation &invocation) {
    const bool dry_run = invocation.options.copyroles.dry_run;
    const Connection target = connect_target(invocation.global.target, roles_log());
    if (!target || !ensure_extension(target.get(), roles_log()))
        return ExitCode::failure;
    const Result result =
        run_query(target.get(), copy_roles_query,
                  {build_conninfo(invocation.global.source), dry_run ? "true" : "false"},
                  roles_log(), "could not copy the roles");
    if (!result)
        return ExitCode::failure;
    int changes = 0;
    int warnings = 0;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        const std::string role = field(result.get(), row, "role_name").value_or("");
        const std::string action = field(result.get(), row, "action").value_or("");
        const std::string message =
            "role " + role + ": " + action + ": " + field(result.get(), row, "detail").value_or("");
        if (action == "warning") {
            ++warnings;
            roles_log().warning(message);
        } else {
            if (action != "skip")
                ++changes;
            roles_log().info(message);
        }
    }
    roles_log().info(std::to_string(changes) +
                     (dry_run ? " statements would run" : " statements ran") + ", " +
                     std::to_string(warnings) + " warnings");
    if (invocation.global.json)
        print_result_as_json(result.get(), std::cout);
    return ExitCode::ok;
}

} // namespace ivory::cli
