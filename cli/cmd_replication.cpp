// ivory replication create|start|status|stop|drop
#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace ivory::cli {

namespace {

void add_publication_name(CLI::App &command, std::string &name) {
    command.add_option("--publication-name", name, "Name of the publication on the source.")
        ->capture_default_str();
}

void add_subscription_name(CLI::App &command, std::string &name) {
    command.add_option("--subscription-name", name, "Name of the subscription on the target.")
        ->capture_default_str();
}

} // namespace

void define_replication_create_options(CLI::App &command, CommandOptions &options,
                                       const EnvironmentLookup &environment) {
    ReplicationCreateOptions &create = options.replication_create;
    command.add_flag("--skip-checks", create.skip_checks, "Do not run the readiness checks first.");
    command.add_flag("--drop-replication-user", create.drop_replication_user,
                     "Drop and re-create the replication user if it exists.");
    add_publication_name(command, create.publication_name);
    add_subscription_name(command, create.subscription_name);
    if (std::optional<std::string> password = environment("REPLICATION_PASSWORD"))
        create.replication_password = *password;
    // The default is never displayed: it is a password.
    command.add_option("--replication-password", create.replication_password,
                       "Password of the replication user. Read from $REPLICATION_PASSWORD.");
}

ExitCode run_replication_create(const Invocation &invocation) {
    return report_not_implemented(invocation);
}

void define_replication_start_options(CLI::App &command, CommandOptions &options,
                                      const EnvironmentLookup &) {
    ReplicationStartOptions &start = options.replication_start;
    command.add_flag("--fail-on-already-started", start.fail_on_already_started,
                     "Fail if replication is already running.");
    add_subscription_name(command, start.subscription_name);
    command.add_flag_callback(
        "--no-refresh", [&start] { start.refresh = false; },
        "Do not pick up tables added to the publication since replication was created.");
}

ExitCode run_replication_start(const Invocation &invocation) {
    return report_not_implemented(invocation);
}

void define_replication_status_options(CLI::App &command, CommandOptions &options,
                                       const EnvironmentLookup &) {
    ReplicationStatusOptions &status = options.replication_status;
    add_subscription_name(command, status.subscription_name);
    command.add_flag("--collapse-initializing-relations", status.collapse_initializing_relations,
                     "Summarize tables waiting for their initial copy in one line.");
}

ExitCode run_replication_status(const Invocation &invocation) {
    return report_not_implemented(invocation);
}

void define_replication_stop_options(CLI::App &command, CommandOptions &options,
                                     const EnvironmentLookup &) {
    ReplicationStopOptions &stop = options.replication_stop;
    command.add_flag("--fail-on-already-stopped", stop.fail_on_already_stopped,
                     "Fail if replication is already stopped.");
    add_subscription_name(command, stop.subscription_name);
}

ExitCode run_replication_stop(const Invocation &invocation) {
    return report_not_implemented(invocation);
}

void define_replication_drop_options(CLI::App &command, CommandOptions &options,
                                     const EnvironmentLookup &) {
    ReplicationDropOptions &drop = options.replication_drop;
    add_publication_name(command, drop.publication_name);
    add_subscription_name(command, drop.subscription_name);
    command.add_flag_callback(
        "--no-drop-user", [&drop] { drop.drop_user = false; }, "Keep the replication user.");
}

ExitCode run_replication_drop(const Invocation &invocation) {
    return report_not_implemented(invocation);
}

} // namespace ivory::cli
