// ivory: manage PostgreSQL logical replication from the command line. The work
// is done by the ivory extension in the target database; this only parses the
// command line, calls the extension and reports.
#include <exception>
#include <iostream>

#include "all_databases.hpp"
#include "command_line.hpp"
#include "commands.hpp"

using namespace ivory::cli;

int main(int argc, char **argv) {
    const std::vector<std::string> arguments(argv + 1, argv + argc);
    ParseResult parsed = parse_command_line(arguments, process_environment());
    if (!parsed.invocation) {
        (parsed.exit_code == ExitCode::ok ? std::cout : std::cerr) << parsed.output << std::flush;
        return to_status(parsed.exit_code);
    }

    const Invocation &invocation = *parsed.invocation;
    set_log_threshold(invocation.global.log_level);
    for (const std::string *password :
         {&invocation.global.source.password, &invocation.global.target.password,
          &invocation.options.replication_create.replication_password})
        add_log_secret(*password);

    try {
        return to_status(invocation.global.all_databases ? run_for_all_databases(invocation)
                                                         : invocation.command->run(invocation));
    } catch (const std::exception &error) {
        Logger("ivory").critical(error.what());
        return to_status(ExitCode::failure);
    }
}
