// The statements of pg_dumpall --roles-only, told apart with the server's own
// parser: which role each one creates, alters, sets, comments or makes a
// member, so that ivory.copy_roles can leave some roles alone.
#pragma once

#include <string>
#include <vector>

namespace ivory::pg {

enum class RoleStatementKind {
    create,     // CREATE ROLE
    alter,      // ALTER ROLE ... WITH attributes (and the password)
    setting,    // ALTER ROLE ... [IN DATABASE ...] SET
    membership, // GRANT role TO role
    comment,    // COMMENT ON ROLE, SECURITY LABEL ON ROLE
    session,    // SET and set_config of the script's own session
    other,
};

struct RoleStatement {
    RoleStatementKind kind = RoleStatementKind::other;
    // The roles it changes: the role itself, or a membership's members.
    std::vector<std::string> roles;
    std::vector<std::string> granted; // a membership's granted roles
    std::string database;             // a setting's IN DATABASE, else empty
    std::string text;                 // the statement, runnable alone
};

// Throws PgError when the script does not parse.
std::vector<RoleStatement> role_statements(const std::string &script);

} // namespace ivory::pg
