// How `ivory check` reports one row of ivory.check().
#pragma once

#include <optional>
#include <string>

#include "log.hpp"

namespace ivory::cli {

struct CheckRow {
    std::string checker;
    std::string description;
    std::string severity; // "error" or "warning"
    bool ok = false;
    std::optional<std::string> detail;
};

// A failed check fails the command unless it is only a warning; an unknown
// severity counts as an error.
bool fails_command(const CheckRow &row);

// DEBUG when passed, WARNING for a failed warning, ERROR for any other failure.
LogLevel log_level_of(const CheckRow &row);

// "<checker>: <description>: ok", or "<checker>: <description>: <detail>".
std::string log_message_of(const CheckRow &row);

} // namespace ivory::cli
