// Small text helpers shared by the extension and the CLI.
#pragma once

#include <string>
#include <vector>

namespace ivory {

// The lines of `joined` (no trailing empty line; none for "").
std::vector<std::string> split_lines(const std::string &joined);

// The items with `separator` between them.
std::string join(const std::vector<std::string> &items, const std::string &separator);

// Every `from` in `text` replaced by `to`, left to right, never re-reading a
// replacement.
void replace_all(std::string &text, const std::string &from, const std::string &to);

// A size for people, in 1024 steps as pg_size_pretty: "512 bytes", "1.5 MB",
// "265 MB", "-3.0 kB".
std::string human_bytes(long long bytes);

// The sum of integers written in decimal ("-12", "340"), exact to 127 bits:
// the per-range sums of 64-bit row hashes added up. Throws
// std::invalid_argument for a text that is no integer.
std::string sum_of_integers(const std::vector<std::string> &integers);

} // namespace ivory
