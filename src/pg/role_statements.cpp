#include "role_statements.hpp"

#include "parsed_statements.hpp"
#include "postgres.hpp"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace ivory::pg {

namespace {

std::string role_name(const RoleSpec *role) {
    return role && role->roletype == ROLESPEC_CSTRING && role->rolename ? role->rolename : "";
}

std::vector<std::string> role_names(const List *roles) {
    std::vector<std::string> names;
    const ListCell *cell;
    foreach (cell, roles)
        names.push_back(role_name(lfirst_node(RoleSpec, cell)));
    return names;
}

std::vector<std::string> granted_names(const List *privileges) {
    std::vector<std::string> names;
    const ListCell *cell;
    foreach (cell, privileges) {
        const AccessPriv *privilege = lfirst_node(AccessPriv, cell);
        names.push_back(privilege->priv_name ? privilege->priv_name : "");
    }
    return names;
}

// COMMENT ON ROLE or SECURITY LABEL ON ROLE: a comment of that role; on
// anything else, other.
void mark_comment(RoleStatement &made, ObjectType type, const Node *object) {
    if (type != OBJECT_ROLE || !object || !IsA(object, String))
        return;
    made.kind = RoleStatementKind::comment;
    made.roles = {strVal(object)};
}

RoleStatement classify(const Node *tree) {
    RoleStatement made;
    switch (nodeTag(tree)) {
    case T_CreateRoleStmt:
        made.kind = RoleStatementKind::create;
        made.roles = {castNode(CreateRoleStmt, tree)->role};
        break;
    case T_AlterRoleStmt:
        made.kind = RoleStatementKind::alter;
        made.roles = {role_name(castNode(AlterRoleStmt, tree)->role)};
        break;
    case T_AlterRoleSetStmt: {
        const AlterRoleSetStmt *setting = castNode(AlterRoleSetStmt, tree);
        made.kind = RoleStatementKind::setting;
        made.roles = {role_name(setting->role)};
        made.database = setting->database ? setting->database : "";
        break;
    }
    case T_GrantRoleStmt: {
        const GrantRoleStmt *grant = castNode(GrantRoleStmt, tree);
        made.kind = grant->is_grant ? RoleStatementKind::membership : RoleStatementKind::other;
        made.roles = role_names(grant->grantee_roles);
        made.granted = granted_names(grant->granted_roles);
        break;
    }
    case T_CommentStmt:
        mark_comment(made, castNode(CommentStmt, tree)->objtype,
                     castNode(CommentStmt, tree)->object);
        break;
    case T_SecLabelStmt:
        mark_comment(made, castNode(SecLabelStmt, tree)->objtype,
                     castNode(SecLabelStmt, tree)->object);
        break;
    case T_VariableSetStmt:
    case T_SelectStmt: // SELECT pg_catalog.set_config(...)
        made.kind = RoleStatementKind::session;
        break;
    default:
        break;
    }
    return made;
}

} // namespace

std::vector<RoleStatement> role_statements(const std::string &script) {
    std::vector<RoleStatement> statements;
    for (ParsedStatement &parsed : parsed_statements(script)) {
        RoleStatement statement = classify(parsed.tree);
        statement.text = std::move(parsed.text);
        statements.push_back(std::move(statement));
    }
    return statements;
}

} // namespace ivory::pg
