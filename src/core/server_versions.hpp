// Which PostgreSQL releases ivory will run in, as plain facts about version
// numbers (server_version_num), so that the rule is tested without a server.
#pragma once

#include <optional>
#include <string>

namespace ivory {

// "15.14" for 150014, "9.6.24" for 90624.
std::string version_text(int server_version_num);

// Why ivory refuses to run in a server of `server_version_num`, if it does:
// pg_dump before 17.6, 16.10, 15.14, 14.19 and 13.22 lets a malicious source
// run psql meta-commands and SQL on the target (CVE-2025-8714, CVE-2025-8715),
// and ivory restores the source's pg_dump into the target. The message names
// the running version and the first fixed one.
std::optional<std::string> target_version_problem(int server_version_num);

// Why ivory refuses to migrate from a source of `source_version_num` into a
// target of `target_version_num`, if it does: a source of a newer major
// version, which the target's pg_dump cannot dump. Names both versions.
std::optional<std::string> source_version_problem(int source_version_num, int target_version_num);

// The hint that goes with source_version_problem's message.
std::string source_version_hint(int source_version_num);

// Throws ivory::Error (0A000, with that message and hint) for a source newer
// than the target: what copy_schema and replication_create do first.
void require_source_not_newer(int source_version_num, int target_version_num);

} // namespace ivory
