// The extension version this build of the command speaks to; keep it equal to
// default_version in ivory.control.
#pragma once

namespace ivory::cli {

inline constexpr const char *expected_extension_version = "0.1.0";

} // namespace ivory::cli
