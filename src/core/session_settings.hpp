// The settings ivory pins in its own sessions, chosen by server version, and
// the one query that sets them: plain facts, so that both binaries use the
// same list and it is tested without a server.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ivory {

// A setting's name and the value a session gets.
using SessionSetting = std::pair<std::string, std::string>;

// The limits a DBA's defaults for a database or role (ALTER DATABASE ... SET,
// ALTER ROLE ... SET) would put on ivory's long statements and transactions,
// each 0 (off), as pg_dump and pg_restore set them for their own sessions:
// statement_timeout, lock_timeout, idle_in_transaction_session_timeout, and
// where the server of `server_version_num` has them idle_session_timeout (14)
// and transaction_timeout (17).
std::vector<SessionSetting> unbounded_session_settings(int server_version_num);

// The libpq `options` that carry the limits every supported server has
// ("-c statement_timeout=0 ..."): set at login, they come before the
// database's and role's defaults, so that not even the first statement of
// the session (the set_config_query that sets the rest) runs under them.
std::string startup_options();

// "SELECT pg_catalog.set_config('name', 'value', false), ...": every setting
// for the session in one round trip, in the order given. A simple query, so a
// logical replication connection (replication=database) runs it too.
std::string set_config_query(const std::vector<SessionSetting> &settings);

} // namespace ivory
