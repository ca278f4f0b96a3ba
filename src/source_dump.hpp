// pg_dump and pg_dumpall of the source, run by this server from its own bin
// directory: copy_schema's schema, copy_roles' roles.
#pragma once

#include <string>
#include <vector>

#include "pg/child_process.hpp"
#include "remote/connection.hpp"

namespace ivory {

// The dump runs as SQL here, as in pg_dump | psql: a server whose pg_dump
// lacks the fix for CVE-2025-8714/8715 is refused.
void require_fixed_pg_dump();

// Runs `program` ("pg_dump", "pg_dumpall") of this server against `source`,
// the connection ivory made and pinned, with `arguments` before the
// connection's: its output goes to `on_output` as it arrives. A failure
// throws with the tool's message, any password of `conninfo` masked.
void run_source_dump(const std::string &program, std::vector<std::string> arguments,
                     const std::string &conninfo, const remote::PinnedConnection &source,
                     const pg::OutputConsumer &on_output);

} // namespace ivory
