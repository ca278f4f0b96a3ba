// ivory.copy_roles: the source cluster's roles, from pg_dumpall --roles-only
// run by this server, applied here in the caller's transaction. Existing
// roles are altered to match, none is dropped, and the roles that belong to
// either server (reserved, bootstrap superuser, the caller, ivory's
// replication role) are left alone.
#include <set>
#include <string>
#include <vector>

#include "core/conninfo.hpp"
#include "core/dump_filter.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/server_versions.hpp"
#include "functions.hpp"
#include "pg/ddl_statements.hpp"
#include "pg/guard.hpp"
#include "pg/role_statements.hpp"
#include "pg/server_info.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"
#include "source_dump.hpp"

namespace ivory {

namespace {

using pg::RoleStatement;
using pg::RoleStatementKind;

const char *const source_facts_query =
    "SELECT pg_catalog.current_database(), "
    "(SELECT rolname FROM pg_catalog.pg_roles WHERE oid = 10), "
    "pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT')";

const char *const login_roles_query = "SELECT rolname FROM pg_catalog.pg_roles "
                                      "WHERE rolcanlogin AND rolname !~ '^pg_' ORDER BY 1";

// pg_dump writes these (ALTER ROLE ... IN DATABASE ... SET), not pg_dumpall
// --roles-only: ivory asks for them.
const char *const database_settings_query =
    "SELECT r.rolname, d.datname, c.setting "
    "FROM pg_catalog.pg_db_role_setting s "
    "JOIN pg_catalog.pg_roles r ON r.oid = s.setrole "
    "JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase, "
    "pg_catalog.unnest(s.setconfig) WITH ORDINALITY c(setting, n) "
    "WHERE r.rolname !~ '^pg_' ORDER BY 1, 2, c.n";

const char *const target_facts_query =
    "SELECT (SELECT rolname FROM pg_catalog.pg_roles WHERE oid = 10), current_user, "
    "pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT')";

struct SourceRoles {
    std::string database;
    std::string bootstrap_superuser;
    bool reads_passwords = false;
    std::vector<std::string> login_roles;
    std::vector<RoleStatement> statements; // pg_dumpall's, then the per-database settings
};

struct TargetRoles {
    std::set<std::string> existing;
    std::set<std::string> with_password;
    std::set<std::string> databases;
    // Roles of this server, or of ivory, that copy_roles does not touch: why.
    std::string bootstrap_superuser;
    std::string caller;
};

// pg_dump's list of settings whose value is a list of quoted names: the
// value is written as it stands, not as one string.
bool is_list_setting(const std::string &name) {
    static const std::set<std::string> lists = {"search_path",
                                                "temp_tablespaces",
                                                "session_preload_libraries",
                                                "shared_preload_libraries",
                                                "local_preload_libraries",
                                                "unix_socket_directories"};
    return lists.count(name) > 0;
}

// A setting's name as SQL: a custom one (`app.tenant`) quoted part by part.
std::string quoted_setting_name(const std::string &name) {
    std::string quoted;
    size_t start = 0;
    for (size_t dot = name.find('.');; dot = name.find('.', start)) {
        if (!quoted.empty())
            quoted += ".";
        quoted += quote_identifier(name.substr(start, dot - start));
        if (dot == std::string::npos)
            return quoted;
        start = dot + 1;
    }
}

// ALTER ROLE ... IN DATABASE ... SET for one "name=value" of setconfig,
// checked with the parser to be exactly that statement.
RoleStatement database_setting(const std::string &role, const std::string &database,
                               const std::string &setting) {
    const size_t equals = setting.find('=');
    const std::string name = setting.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : setting.substr(equals + 1);
    const std::string text = "ALTER ROLE " + quote_identifier(role) + " IN DATABASE " +
                             quote_identifier(database) + " SET " + quoted_setting_name(name) +
                             " TO " + (is_list_setting(name) ? value : quote_literal(value));
    std::vector<RoleStatement> parsed;
    try {
        parsed = pg::role_statements(text);
    } catch (const pg::PgError &) {
    }
    if (parsed.size() != 1 || parsed.front().kind != RoleStatementKind::setting ||
        parsed.front().roles != std::vector<std::string>{role})
        throw Error(sqlstate::internal, "the source's setting " + name + " of role " +
                                            quote_identifier(role) + " in database " +
                                            quote_identifier(database) +
                                            " does not make one ALTER ROLE statement");
    return parsed.front();
}

SourceRoles read_source(const std::string &conninfo) {
    SourceRoles found;
    remote::PinnedConnection pinned;
    Rows settings;
    {
        remote::Connection source(conninfo);
        require_source_not_newer(source.server_version(), pg::running_server_version_num());
        const Row facts = source.query(source_facts_query, "reading the source's roles").at(0);
        found.database = text_of(facts, 0);
        found.bootstrap_superuser = text_of(facts, 1);
        found.reads_passwords = text_of(facts, 2) == "t";
        found.login_roles = first_column(source.query(login_roles_query, "listing login roles"));
        settings = source.query(database_settings_query, "reading per-database role settings");
        pinned = source.pinned();
    }
    std::vector<std::string> arguments = {"--roles-only", "--database=" + found.database};
    if (!found.reads_passwords)
        arguments.push_back("--no-role-passwords");
    std::string script;
    run_source_dump("pg_dumpall", arguments, conninfo, pinned,
                    [&script](const char *data, size_t size) { script.append(data, size); });
    found.statements = pg::role_statements(without_meta_commands(script));
    for (const Row &row : settings)
        found.statements.push_back(
            database_setting(text_of(row, 0), text_of(row, 1), text_of(row, 2)));
    return found;
}

TargetRoles read_target(pg::LocalSession &target) {
    TargetRoles found;
    const Row facts = target.query(target_facts_query, "reading this server's roles").at(0);
    found.bootstrap_superuser = text_of(facts, 0);
    found.caller = text_of(facts, 1);
    for (const std::string &role :
         first_column(target.query("SELECT rolname FROM pg_catalog.pg_roles", "listing roles")))
        found.existing.insert(role);
    if (text_of(facts, 2) == "t")
        for (const std::string &role : first_column(target.query(
                 "SELECT rolname FROM pg_catalog.pg_authid WHERE rolpassword IS NOT NULL",
                 "listing roles with a password")))
            found.with_password.insert(role);
    for (const std::string &database : first_column(
             target.query("SELECT datname FROM pg_catalog.pg_database", "listing databases")))
        found.databases.insert(database);
    return found;
}

// Applies the source's statements, or says what it would do.
class RoleCopy {
  public:
    RoleCopy(const SourceRoles &source, TargetRoles &target, pg::LocalSession &session,
             bool dry_run)
        : source_(source), target_(target), session_(session), dry_run_(dry_run) {}

    std::vector<RoleAction> run() {
        for (const RoleStatement &statement : source_.statements)
            apply(statement);
        warn_of_passwords();
        return actions_;
    }

  private:
    // Why ivory leaves `role` alone, or "" when it copies it.
    std::string left_alone(const std::string &role) const {
        if (role.rfind("pg_", 0) == 0)
            return "a reserved role";
        if (role == source_.bootstrap_superuser)
            return "the source's bootstrap superuser";
        if (role == target_.bootstrap_superuser)
            return "this server's bootstrap superuser";
        if (role == target_.caller)
            return "the role running copy_roles";
        if (role == replication_role)
            return "ivory's replication role";
        return "";
    }

    // Whether the statement touches a role left alone; says so once per role.
    bool skipped(const RoleStatement &statement) {
        for (const std::string &role : statement.roles) {
            const std::string why = left_alone(role);
            if (why.empty())
                continue;
            if (reported_skips_.insert(role).second)
                actions_.push_back({role, "skip", "left alone: " + why});
            return true;
        }
        return false;
    }

    void run_statement(const std::string &role, const std::string &text) {
        if (dry_run_)
            return;
        try {
            session_.execute(text);
        } catch (pg::PgError &error) {
            for (const std::string &secret : pg::secret_constants(text))
                error.redact(secret);
            error.add_context("while copying role " + quote_identifier(role) + ": " +
                              pg::redacted_query(text));
            throw;
        }
    }

    void apply(const RoleStatement &statement) {
        const std::string role = statement.roles.empty() ? "" : statement.roles.front();
        switch (statement.kind) {
        case RoleStatementKind::session:
            return; // the dump's own session settings: SPI's session is the caller's
        case RoleStatementKind::create:
            if (skipped(statement) || target_.existing.count(role))
                return;
            run_statement(role, statement.text);
            target_.existing.insert(role);
            created_.insert(role);
            return;
        case RoleStatementKind::alter:
            if (skipped(statement))
                return;
            run_statement(role, statement.text);
            actions_.push_back({role, created_.count(role) ? "create" : "alter",
                                pg::redacted_query(statement.text)});
            return;
        case RoleStatementKind::setting:
            if (skipped(statement))
                return;
            if (!statement.database.empty() && !target_.databases.count(statement.database)) {
                actions_.push_back(
                    {role, "warning",
                     "not set: database " + quote_identifier(statement.database) +
                         " is not on this server yet; run copy_roles again after copying it (" +
                         pg::redacted_query(statement.text) + ")"});
                return;
            }
            run_statement(role, statement.text);
            actions_.push_back({role, "set", pg::redacted_query(statement.text)});
            return;
        case RoleStatementKind::membership:
            if (skipped(statement))
                return;
            for (const std::string &granted : statement.granted)
                if (!target_.existing.count(granted)) {
                    actions_.push_back({role, "warning",
                                        "not granted: role " + quote_identifier(granted) +
                                            " is not on this server (" + statement.text + ")"});
                    return;
                }
            run_statement(role, statement.text);
            actions_.push_back({role, "grant", statement.text});
            return;
        case RoleStatementKind::comment:
            if (skipped(statement))
                return;
            run_statement(role, statement.text);
            actions_.push_back({role, "comment", pg::redacted_query(statement.text)});
            return;
        case RoleStatementKind::other:
            // Not what pg_dumpall --roles-only writes: not run.
            actions_.push_back({role, "warning", "not run: " + pg::redacted_query(statement.text)});
            return;
        }
    }

    // A source role ivory may not read passwords of (not a superuser) that
    // has none here.
    void warn_of_passwords() {
        if (source_.reads_passwords)
            return;
        for (const std::string &role : source_.login_roles) {
            if (!left_alone(role).empty() ||
                (!created_.count(role) && target_.with_password.count(role)))
                continue;
            actions_.push_back(
                {role, "warning",
                 "left without a password: the source's role may not read pg_authid (a "
                 "superuser may); set it here with ALTER ROLE " +
                     quote_identifier(role) + " PASSWORD"});
        }
    }

    const SourceRoles &source_;
    TargetRoles &target_;
    pg::LocalSession &session_;
    const bool dry_run_;
    std::set<std::string> created_;
    std::set<std::string> reported_skips_;
    std::vector<RoleAction> actions_;
};

} // namespace

std::vector<RoleAction> copy_roles(const std::string &source_conninfo, bool dry_run) {
    require_fixed_pg_dump();
    const SourceRoles source = read_source(source_conninfo);
    pg::LocalSession session;
    TargetRoles target = read_target(session);
    return RoleCopy(source, target, session, dry_run).run();
}

} // namespace ivory
