// The extension version this build of the command speaks to: default_version
// of ivory.control, passed in by the Makefile.
#pragma once

namespace ivory::cli {

inline constexpr const char *expected_extension_version = IVORY_VERSION;

} // namespace ivory::cli
