// ivory switchover --report FILE: the evidence a DBA signs off on, of a real
// switchover or of a rehearsal (--dry-run): the checks, each step's time, each
// table's verdict with its hashes on both sides, the LSN of the switch and the
// read-only window. A FILE ending in ".json" gets the JSON document, any other
// the same as Markdown.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "log.hpp"

namespace ivory::cli {

struct SwitchoverReportInput {
    bool dry_run = false;
    std::string generated_at;      // utc_timestamp
    std::string source;            // where, without the password
    std::string target;            // the same
    nlohmann::ordered_json checks; // the rows of ivory.check, as result_as_json
    nlohmann::ordered_json steps;  // the rows of ivory.switchover, as result_as_json
    std::string error;             // the server's message when switchover failed, else ""
};

// The report as one JSON document.
nlohmann::ordered_json switchover_report(const SwitchoverReportInput &input);

// The same document for people, as Markdown.
std::string switchover_report_markdown(const nlohmann::ordered_json &report);

// Writes the report to `path` (created or replaced, mode 0600); false with the
// failure logged.
bool write_switchover_report(const std::string &path, const SwitchoverReportInput &input,
                             const Logger &log);

} // namespace ivory::cli
