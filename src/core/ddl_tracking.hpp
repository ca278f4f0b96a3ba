// DDL tracking on the source (replication_create's track_ddl): what ivory
// installs there and removes again. An event trigger records each DDL command
// into ivory.ddl_commands, which the FOR ALL TABLES publication carries to
// the target; there the apply worker runs it at its place in the stream.
#pragma once

#include <string>
#include <vector>

namespace ivory {

// ivory's schema on the source, beside the target's extension schema of the
// same name, so that the recorded commands' table has the same name on both
// sides (a subscription maps tables by name).
inline constexpr const char *ddl_schema = "ivory";

// The statements that install DDL tracking on the source (a superuser's
// session), idempotent: a second run changes nothing that matters. `role` may
// write the failures table (the subscription's login). `comment` marks the
// schema as ivory's.
std::vector<std::string> ddl_tracking_install(const std::string &role, const std::string &comment);

// The statements that remove all of it from the source again.
std::vector<std::string> ddl_tracking_removal();

// Whether the source has DDL tracking installed: a query returning one row
// with 'true' or 'false'.
std::string ddl_tracking_installed_query();

// Records (or records again) that recorded command `id` failed on the target
// with `error`: for the source, from the apply worker's own connection.
std::string ddl_failure_upsert(long long id, const std::string &subscription,
                               const std::string &error);

// Forgets the failure of command `id`.
std::string ddl_failure_removal(long long id, const std::string &subscription);

// The recorded commands with their failures, in id order:
// (id, recorded_at, role_name, search_path, command_tag, objects, command,
// error, attempts).
std::string recorded_ddl_query(const std::string &subscription);

} // namespace ivory
