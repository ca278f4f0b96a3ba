// Report files for people: written to a new private file in $TMPDIR, and
// shown in a browser when someone is at the terminal; or to a file named by
// the user (switchover --report).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "log.hpp"

namespace ivory::cli {

// "<directory>/ivory-schema-diff-YYYYMMDD-HHMMSS-XXXXXX.html" (UTC), the
// template mkstemps fills in; `directory` is $TMPDIR, "" meaning /tmp.
std::string schema_diff_path_template(const std::string &directory,
                                      std::chrono::system_clock::time_point when);

// "2024-05-01 12:00:00 UTC"
std::string utc_timestamp(std::chrono::system_clock::time_point when);

// Creates a new file from `path_template` (mode 0600, never an existing file)
// holding `content`; returns its path, or nullopt with the failure logged.
std::optional<std::string> write_new_file(std::string path_template, const std::string &content,
                                          const Logger &log);

// Creates `path`, or empties it when it exists, and writes `content` into it
// (a new file gets mode 0600); false with the failure logged.
bool write_file(const std::string &path, const std::string &content, const Logger &log);

// Starts xdg-open on `path` in the background, detached from the terminal.
// Best effort: without xdg-open nothing happens.
void open_in_browser(const std::string &path, const Logger &log);

} // namespace ivory::cli
