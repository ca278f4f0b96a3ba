// The work behind each SQL function, in plain C++: the fmgr edge (edge.cpp)
// unpacks arguments, calls these, and packs the rows.
#pragma once

#include <string>

#include "core/rows.hpp"

namespace ivory {

// The extension's version: default_version of ivory.control, from the Makefile.
inline constexpr const char *version = IVORY_VERSION;

// ivory.check(source): (checker, description, severity, ok, detail).
Rows check_rows(const std::string &source);

// ivory.schema_diff(source): (object_type, object_name, attribute, source_value,
// target_value, difference).
Rows schema_diff_rows(const std::string &source);

// ivory.copy_schema(source): (object_type, created), the source's schema
// applied to the current database (schema_copy.cpp).
Rows copy_schema_rows(const std::string &source);

} // namespace ivory
