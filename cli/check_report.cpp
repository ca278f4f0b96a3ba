#include "check_report.hpp"

namespace ivory::cli {

bool fails_command(const CheckResult &check) {
    return !check.ok && check.severity != Severity::warning;
}

LogLevel log_level_of(const CheckResult &check) {
    if (check.ok)
        return LogLevel::debug;
    return fails_command(check) ? LogLevel::error : LogLevel::warning;
}

std::string log_message_of(const CheckResult &check) {
    std::string message = check.checker + ": " + check.description;
    if (check.ok)
        return message + ": ok";
    if (!check.detail.empty())
        message += ": " + check.detail;
    return message;
}

} // namespace ivory::cli
