// The command line parsed into an Invocation, through CLI11 and the command
// table: no output, no exit(), the environment read through a function that
// tests can replace.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"

namespace ivory::cli {

struct ParseResult {
    std::optional<Invocation> invocation; // set: run this command
    ExitCode exit_code = ExitCode::ok;    // otherwise exit with this status,
    std::string output; // after printing this: help (to stdout) or the usage error (to stderr)
};

// `arguments` without the program name.
ParseResult parse_command_line(const std::vector<std::string> &arguments,
                               const EnvironmentLookup &environment);

} // namespace ivory::cli
