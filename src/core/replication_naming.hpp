// Names and connection strings of the replication ivory sets up.
#pragma once

#include <string>

namespace ivory {

// The role the subscription logs in as on the source.
inline constexpr const char *replication_role = "ivory_replicator";

// A replication slot name for a subscription: slot names allow only lower-case
// letters, digits and underscores (at most 63), so other characters become
// underscores; a plain subscription name is its own slot name, as PostgreSQL's
// CREATE SUBSCRIPTION does.
std::string slot_name_for(const std::string &subscription_name);

// The subscription's connection string: the source's, logging in as the
// replication role with its password.
std::string subscription_conninfo(const std::string &source_conninfo, const std::string &password);

// The same, logging in as `role` (the source role itself, when it is not a
// superuser); an empty password is left out, as the source connection had
// none.
std::string subscription_conninfo(const std::string &source_conninfo, const std::string &role,
                                  const std::string &password);

// A password of `bytes` random bytes as hex digits (no quoting trouble anywhere).
std::string password_from_random_bytes(const unsigned char *bytes, size_t count);

// The comment put on what ivory creates: "ivory managed (created on <UTC>)".
std::string managed_comment(const std::string &utc_timestamp);

// The same, of now.
std::string managed_comment_now();

// Whether a comment is one managed_comment made: the object is ivory's.
bool is_managed_comment(const std::string &comment);

// A table's pg_subscription_rel state in words.
std::string subscription_state_name(char state);

// SQL for the source that drops the slot if it exists (its making is in
// replication_features.hpp: it depends on the versions).
std::string drop_slot_sql(const std::string &slot);

// A SQL identifier, always double-quoted: for generated SQL, where a keyword
// must never be mistaken for syntax.
std::string sql_identifier(const std::string &name);

} // namespace ivory
