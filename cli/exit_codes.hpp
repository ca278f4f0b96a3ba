// The exit statuses of the ivory command, in one place so that scripts can
// rely on them.
#pragma once

namespace ivory::cli {

enum class ExitCode : int {
    ok = 0,      // everything fine, or help was shown
    failure = 1, // a check or an action failed, or a database was unreachable
    usage = 2,   // the command line was wrong: unknown option, bad value, missing command
};

inline int to_status(ExitCode code) {
    return static_cast<int>(code);
}

} // namespace ivory::cli
