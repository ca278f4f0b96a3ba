// How `ivory check` reports one row of ivory.check(), read back into the
// extension's own result type (src/core/checks.hpp).
#pragma once

#include <string>

#include "../src/core/checks.hpp"
#include "log.hpp"

namespace ivory::cli {

// A failed check fails the command unless it is only a warning.
bool fails_command(const CheckResult &check);

// DEBUG when passed, WARNING for a failed warning, ERROR for any other failure.
LogLevel log_level_of(const CheckResult &check);

// "<checker>: <description>: ok", or "<checker>: <description>: <detail>".
std::string log_message_of(const CheckResult &check);

} // namespace ivory::cli
