// Running a program from inside a backend (pg_dump): no shell, no inherited
// file descriptors or signal dispositions, its output read while waiting on
// the latch, so that cancel and statement_timeout stop it; an interrupted or
// failed run kills and reaps the child.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace ivory::pg {

struct ChildOutput {
    int exit_code = -1;          // -1 when killed by a signal
    std::string standard_output; // empty when it went to a consumer
    std::string standard_error;
};

// Takes the child's standard output as it arrives, in pieces cut anywhere.
using OutputConsumer = std::function<void(const char *data, size_t size)>;

// Runs `program` with `arguments` (argv[1..]) and the backend's environment
// without the variables whose names start with one of `unset_prefixes`, plus
// `environment` ("NAME=value"; a name given here replaces the inherited one).
// Standard input is /dev/null. With `on_output`, standard output goes to it
// as it arrives rather than into the result, so that it is never held whole.
ChildOutput run_child(const std::string &program, const std::vector<std::string> &arguments,
                      const std::vector<std::string> &environment,
                      const std::vector<std::string> &unset_prefixes = {},
                      const OutputConsumer &on_output = {});

} // namespace ivory::pg
