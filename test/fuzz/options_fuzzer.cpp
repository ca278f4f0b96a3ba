// libFuzzer target: the CLI's option parser (cli/command_line.hpp parse_command_line).
// Input: NUL-separated fields; the first holds environment variables, one
// NAME=VALUE per line (e.g. SOURCE_PASSWORD=x), the others are the arguments.
// Properties: no exception escapes; a parse either names a command, or gives
// help (exit 0) or a usage error (exit 2, with a message).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_line.hpp"

namespace {

[[noreturn]] void fail(const char *what, const std::string &detail) {
    std::fprintf(stderr, "property violated: %s\n%s\n", what, detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096)
        return 0;
    std::vector<std::string> fields(1);
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == '\0')
            fields.emplace_back();
        else
            fields.back() += static_cast<char>(data[i]);
    }
    std::map<std::string, std::string> variables;
    size_t start = 0;
    const std::string &environment_text = fields.front();
    while (start < environment_text.size()) {
        size_t end = environment_text.find('\n', start);
        if (end == std::string::npos)
            end = environment_text.size();
        const std::string line = environment_text.substr(start, end - start);
        const size_t equals = line.find('=');
        if (equals != std::string::npos)
            variables[line.substr(0, equals)] = line.substr(equals + 1);
        start = end + 1;
    }
    const std::vector<std::string> arguments(fields.begin() + 1, fields.end());
    const ivory::cli::EnvironmentLookup environment =
        [&variables](const std::string &name) -> std::optional<std::string> {
        auto found = variables.find(name);
        if (found == variables.end())
            return std::nullopt;
        return found->second;
    };

    const ivory::cli::ParseResult result = ivory::cli::parse_command_line(arguments, environment);
    if (result.invocation) {
        if (!result.invocation->command)
            fail("an invocation without a command", "");
    } else if (result.exit_code == ivory::cli::ExitCode::ok) {
        if (result.output.empty())
            fail("help without text", "");
    } else if (result.exit_code == ivory::cli::ExitCode::usage) {
        if (result.output.empty())
            fail("a usage error without a message", "");
    } else {
        fail("an unexpected exit code", std::to_string(static_cast<int>(result.exit_code)));
    }
    return 0;
}
