#include "command_line.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <CLI/CLI.hpp>

#include "all_databases.hpp"
#include "commands.hpp"

namespace ivory::cli {

namespace {

// --source-host etc., each defaulting to $SOURCE_HOST etc. The environment is
// read here rather than through CLI11's envname(), so that tests can inject it.
void add_connection_options(CLI::App &app, const std::string &side, const std::string &title,
                            ConnectionOptions &connection, const EnvironmentLookup &environment) {
    const std::string group = title + " database options";
    struct Field {
        const char *keyword;
        std::string ConnectionOptions::*member;
        const char *description;
    };
    const Field fields[] = {
        {"host", &ConnectionOptions::host, "database host to connect to."},
        {"port", &ConnectionOptions::port, "database port to connect to."},
        {"user", &ConnectionOptions::user, "database user to use for operations."},
        {"password", &ConnectionOptions::password, "database user's password."},
        {"dbname", &ConnectionOptions::dbname, "database name to connect to."},
    };
    for (const auto &[keyword, member, description] : fields) {
        std::string variable = side + "_" + keyword;
        for (char &c : variable)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (std::optional<std::string> value = environment(variable))
            connection.*member = *value;
        // The default is never displayed: it may be a password.
        app.add_option("--" + side + "-" + keyword, connection.*member,
                       title + " " + description + " Read from $" + variable + ".")
            ->group(group);
    }
}

CLI::App &add_group(CLI::App &app, std::string_view name) {
    const auto &groups = command_groups();
    const auto group =
        std::find_if(groups.begin(), groups.end(),
                     [name](const CommandGroupSpec &spec) { return spec.name == name; });
    // A table entry naming an undeclared group is a programming error.
    if (group == groups.end())
        throw std::logic_error("command group " + std::string(name) + " is not declared");
    CLI::App *added = app.add_subcommand(std::string(group->name), std::string(group->description));
    added->require_subcommand(1);
    return *added;
}

// CLI11 reports "ivory foo" as a missing subcommand; say what was wrong
// instead. Empty when the error is not about an unknown command.
std::string unknown_command_message(const CLI::App &app) {
    const CLI::App *current = &app;
    std::string path = app.get_name();
    while (!current->get_subcommands().empty()) {
        current = current->get_subcommands().front();
        path += " " + current->get_name();
    }
    // With fallthrough, the parent may hold what a group did not recognize.
    const std::vector<std::string> extra = app.remaining(true);
    if (extra.empty() || extra.front().rfind("-", 0) == 0 || current->get_subcommands({}).empty())
        return "";
    std::string known;
    for (const CLI::App *command : current->get_subcommands({}))
        known += (known.empty() ? "" : ", ") + command->get_name();
    return "unknown command '" + extra.front() + "' for '" + path + "', expected one of: " + known +
           "\nRun with --help for more information.\n";
}

} // namespace

ParseResult parse_command_line(const std::vector<std::string> &arguments,
                               const EnvironmentLookup &environment) {
    Invocation invocation;
    CLI::App app{"Manages PostgreSQL logical replication.", "ivory"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("ivory ") + IVORY_VERSION);
    // Global options are also accepted after the command ("ivory check -l DEBUG").
    app.fallthrough();

    std::string log_level = "INFO";
    app.add_option("-l,--log-level", log_level, "Level to log at.")
        ->transform(CLI::IsMember(log_level_names(), CLI::ignore_case))
        ->capture_default_str();
    app.add_flag(
        "--json", invocation.global.json,
        "Print the result of check, copyroles, replication status, syncsequences, verify and "
        "switchover as one JSON document on standard output (the log stays on "
        "standard error).");
    app.add_flag("--all-databases", invocation.global.all_databases,
                 "Run check, copyschema, replication, syncsequences, verify, switchover, "
                 "switchback or unlock-source for every database of the source (but templates and "
                 "postgres), "
                 "each to the target database of the same name; switchover locks them all "
                 "before it switches any. The databases are listed through --source-dbname.");
    add_connection_options(app, "source", "Source", invocation.global.source, environment);
    add_connection_options(app, "target", "Target", invocation.global.target, environment);

    std::map<std::string_view, CLI::App *> groups = {{"", &app}};
    std::vector<std::pair<const CLI::App *, const CommandSpec *>> commands;
    for (const CommandSpec &spec : command_table()) {
        // Groups appear in the help where their first command is in the table.
        CLI::App *&parent = groups[spec.group];
        if (!parent)
            parent = &add_group(app, spec.group);
        CLI::App *command =
            parent->add_subcommand(std::string(spec.name), std::string(spec.description));
        spec.define_options(*command, invocation.options, environment);
        if (!spec.example.empty())
            command->footer("Example:\n  " + std::string(spec.example));
        commands.emplace_back(command, &spec);
    }

    ParseResult result;
    try {
        // CLI11 consumes its argument vector from the back.
        std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());
        app.parse(reversed);
    } catch (const CLI::ParseError &error) {
        std::ostringstream help;
        std::ostringstream problem;
        const bool asked_for_help = app.exit(error, help, problem) == 0;
        result.exit_code = asked_for_help ? ExitCode::ok : ExitCode::usage;
        const std::string unknown_command = unknown_command_message(app);
        result.output = asked_for_help             ? help.str()
                        : !unknown_command.empty() ? unknown_command
                                                   : problem.str();
        return result;
    }

    invocation.global.log_level = parse_log_level(log_level).value_or(LogLevel::info);
    for (const auto &[command, spec] : commands)
        if (command->parsed())
            invocation.command = spec;
    if (invocation.global.all_databases && invocation.command) {
        std::string refused;
        if (!runs_for_all_databases(*invocation.command))
            refused = invocation.command->full_name() + " does not take --all-databases";
        else if (invocation.command->full_name() == "switchover" &&
                 !invocation.options.switchover.report.empty())
            refused = "switchover --report writes the evidence of one database: not with "
                      "--all-databases";
        if (!refused.empty()) {
            result.exit_code = ExitCode::usage;
            result.output = refused + "\nRun with --help for more information.\n";
            return result;
        }
    }
    result.invocation = std::move(invocation);
    return result;
}

} // namespace ivory::cli
