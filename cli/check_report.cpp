#include "check_report.hpp"

namespace ivory::cli {

bool fails_command(const CheckRow &row) {
    return !row.ok && row.severity != "warning";
}

LogLevel log_level_of(const CheckRow &row) {
    if (row.ok)
        return LogLevel::debug;
    return fails_command(row) ? LogLevel::error : LogLevel::warning;
}

std::string log_message_of(const CheckRow &row) {
    std::string message = row.checker + ": " + row.description;
    if (row.ok)
        return message + ": ok";
    if (row.detail && !row.detail->empty())
        message += ": " + *row.detail;
    return message;
}

} // namespace ivory::cli
