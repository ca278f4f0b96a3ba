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

} // namespace ivory
