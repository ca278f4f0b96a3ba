// Small text helpers shared by the checks and the replication code.
#pragma once

#include <string>
#include <vector>

namespace ivory {

// The lines of `joined` (no trailing empty line; none for "").
std::vector<std::string> split_lines(const std::string &joined);

// The items with `separator` between them.
std::string join(const std::vector<std::string> &items, const std::string &separator);

} // namespace ivory
