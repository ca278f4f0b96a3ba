// ivory copyschema: replaces the target database by one with the source
// database's options and schema. Through the maintenance database it creates
// a new database beside the target, has ivory.copy_schema() there apply the
// source's schema, and only then swaps it in for the target.
#include <chrono>
#include <random>
#include <sstream>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "database_copy.hpp"
#include "target.hpp"

namespace ivory::cli {

namespace {

const char *const copy_schema_query = "SELECT object_type, created FROM ivory.copy_schema($1)";

// The locale columns of pg_database by server version: the provider came in
// PostgreSQL 15, and 17 renamed daticulocale to datlocale.
std::string locale_provider_columns(int server_version) {
    if (server_version >= 170000)
        return "datlocprovider AS provider, datlocale AS icu_locale";
    if (server_version >= 150000)
        return "datlocprovider AS provider, daticulocale AS icu_locale";
    return "'c'::pg_catalog.\"char\" AS provider, NULL::pg_catalog.text AS icu_locale";
}

// Names our source session uniquely, so that the target can tell when the
// source is the very database about to be dropped.
std::string source_application_name() {
    std::random_device random;
    std::ostringstream name;
    name << "ivory copyschema source " << getpid() << "-" << std::hex << random();
    return name.str();
}

Keywords source_keywords(const ConnectionOptions &options, const std::string &application_name) {
    Keywords keywords = connection_keywords(options);
    keywords.emplace_back("application_name", application_name);
    keywords.emplace_back("client_encoding", "UTF8");
    return keywords;
}

std::optional<DatabaseOptions> read_source_options(PGconn *source, const Logger &log) {
    const Result result =
        run_query(source,
                  "SELECT pg_catalog.pg_encoding_to_char(encoding) AS encoding, datcollate, "
                  "datctype, datconnlimit, pg_catalog.pg_get_userbyid(datdba) AS owner, "
                  "datacl::pg_catalog.text AS acl, " +
                      locale_provider_columns(PQserverVersion(source)) +
                      " FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()",
                  {}, log, "could not read the source database's options");
    if (!result)
        return std::nullopt;
    if (PQntuples(result.get()) != 1) {
        log.error("could not read the source database's options: it is not in pg_database");
        return std::nullopt;
    }
    const PGresult *row = result.get();
    DatabaseOptions options;
    options.encoding = field(row, 0, "encoding").value_or("");
    options.collate = field(row, 0, "datcollate").value_or("");
    options.ctype = field(row, 0, "datctype").value_or("");
    options.connection_limit = number_field(row, 0, "datconnlimit").value_or(-1);
    options.owner = field(row, 0, "owner").value_or("");
    options.acl = field(row, 0, "acl");
    options.provider = locale_provider_name(field(row, 0, "provider").value_or("c"));
    options.icu_locale = field(row, 0, "icu_locale").value_or("");
    return options;
}

std::optional<TemplateLocale> read_template1_locale(PGconn *maintenance, const Logger &log) {
    const Result result =
        run_query(maintenance,
                  "SELECT pg_catalog.pg_encoding_to_char(encoding) AS encoding, datcollate, "
                  "datctype, " +
                      locale_provider_columns(PQserverVersion(maintenance)) +
                      " FROM pg_catalog.pg_database WHERE datname = 'template1'",
                  {}, log, "could not read the locale of template1 on the target server");
    if (!result)
        return std::nullopt;
    TemplateLocale locale;
    // Without template1 (dropped by someone) CREATE DATABASE needs template0 anyway.
    if (PQntuples(result.get()) == 0)
        return locale;
    const PGresult *row = result.get();
    locale.encoding = field(row, 0, "encoding").value_or("");
    locale.collate = field(row, 0, "datcollate").value_or("");
    locale.ctype = field(row, 0, "datctype").value_or("");
    locale.provider = locale_provider_name(field(row, 0, "provider").value_or("c"));
    locale.icu_locale = field(row, 0, "icu_locale").value_or("");
    return locale;
}

// False when it could not be read (logged); otherwise `exists` tells.
bool role_exists(PGconn *maintenance, const std::string &role, bool &exists, const Logger &log) {
    const Result result =
        run_query(maintenance, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", {role}, log,
                  "could not look up role " + role);
    if (!result)
        return false;
    exists = PQntuples(result.get()) > 0;
    return true;
}

bool database_exists(PGconn *maintenance, const std::string &database, bool &exists,
                     const Logger &log) {
    const Result result =
        run_query(maintenance, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1",
                  {database}, log, "could not look up target database " + database);
    if (!result)
        return false;
    exists = PQntuples(result.get()) > 0;
    return true;
}

// The sessions connected to `database`, except autovacuum workers, which
// DROP DATABASE stops itself.
std::optional<std::vector<DatabaseSession>>
read_sessions(PGconn *maintenance, const std::string &database, const Logger &log) {
    const Result result =
        run_query(maintenance,
                  "SELECT pid, usename, application_name, "
                  "pg_catalog.host(client_addr) || ':' || client_port AS client, state "
                  "FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> "
                  "pg_catalog.pg_backend_pid() "
                  "AND backend_type IS DISTINCT FROM 'autovacuum worker' ORDER BY pid",
                  {database}, log, "could not list the sessions of target database " + database);
    if (!result)
        return std::nullopt;
    std::vector<DatabaseSession> sessions;
    for (int row = 0; row < PQntuples(result.get()); ++row)
        sessions.push_back(DatabaseSession{
            field(result.get(), row, "pid").value_or(""), field(result.get(), row, "usename"),
            field(result.get(), row, "application_name"), field(result.get(), row, "client"),
            field(result.get(), row, "state")});
    return sessions;
}

std::string describe_created(const std::string &name, const std::string &database,
                             const DatabaseOptions &options, bool from_template0) {
    std::string text = "created database " + name + " to build the new target database " +
                       database + " in (owner " + options.owner + ", encoding " + options.encoding +
                       ", collation " + options.collate + ", ctype " + options.ctype +
                       ", locale provider " + options.provider;
    if (options.provider == "icu")
        text += ", ICU locale " + options.icu_locale;
    text += ", connection limit " + std::to_string(options.connection_limit);
    if (from_template0)
        text += ", from template0";
    return text + ")";
}

// The target server's maintenance session, where databases are created,
// renamed and dropped.
struct TargetServer {
    PGconn *maintenance;
    SqlQuoting quote;
    const Logger &log;

    TargetServer(PGconn *connection, const Logger &logger)
        : maintenance(connection), quote{[connection](const std::string &name) {
                                             return quote_identifier(connection, name);
                                         },
                                         [connection](const std::string &text) {
                                             return quote_literal(connection, text);
                                         }},
          log(logger) {}

    bool run(const std::string &sql, const std::string &failing_step) const {
        return static_cast<bool>(run_query(maintenance, sql, {}, log, failing_step));
    }
};

// Subscriptions keep a database from being dropped; they are named before
// anything is done rather than found out halfway.
bool refuse_subscriptions(const TargetServer &server, const std::string &database) {
    const Result result = run_query(
        server.maintenance,
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(s.subname), ', ' ORDER BY s.subname) "
        "AS names FROM pg_catalog.pg_subscription s JOIN pg_catalog.pg_database d "
        "ON d.oid = s.subdbid WHERE d.datname = $1",
        {database}, server.log, "could not list the subscriptions of target database " + database);
    if (!result)
        return false;
    if (const auto names = field(result.get(), 0, "names")) {
        server.log.error("target database " + database + " has subscriptions (" + *names +
                         "); drop them first (ivory replication drop)");
        return false;
    }
    return true;
}

// True when `database` can be replaced: nobody uses it, least of all our own
// source session (then the source is the target itself), and it has no
// subscription.
bool target_database_free(const TargetServer &server, const std::string &database,
                          const std::string &source_application) {
    const std::optional<std::vector<DatabaseSession>> sessions =
        read_sessions(server.maintenance, database, server.log);
    if (!sessions)
        return false;
    for (const DatabaseSession &session : *sessions)
        if (session.application == source_application) {
            server.log.error("the source database is target database " + database +
                             " itself; copyschema would drop it");
            return false;
        }
    if (!sessions->empty()) {
        server.log.error(sessions_in_use_message(database, *sessions));
        return false;
    }
    return refuse_subscriptions(server, database);
}

// Creates the database the source's schema is built in, beside the target,
// with the source database's options. Its name, or nullopt (logged).
std::optional<std::string> create_new_database(const TargetServer &server,
                                               const std::string &database,
                                               const DatabaseOptions &source_options) {
    bool owner_exists = false;
    if (!role_exists(server.maintenance, source_options.owner, owner_exists, server.log))
        return std::nullopt;
    if (!owner_exists) {
        server.log.error("role " + source_options.owner +
                         ", the owner of the source database, does not exist on the target "
                         "server; create it there first (roles are not copied)");
        return std::nullopt;
    }
    const std::optional<TemplateLocale> template1 =
        read_template1_locale(server.maintenance, server.log);
    if (!template1)
        return std::nullopt;

    std::random_device random;
    const std::string name = side_database_name("new", getpid(), random());
    const bool from_template0 = needs_template0(source_options, *template1);
    if (!server.run(create_database_sql(name, source_options, from_template0, server.quote),
                    "could not create the new target database"))
        return std::nullopt;
    server.log.info(describe_created(name, database, source_options, from_template0));
    if (!server.run(comment_on_database_sql(
                        name, database_comment(std::chrono::system_clock::now()), server.quote),
                    "could not comment on the new target database")) {
        server.run(drop_database_sql(name, server.quote), "could not drop database " + name);
        return std::nullopt;
    }
    return name;
}

// Drops the database built for a copy that did not complete.
void drop_new_database(const TargetServer &server, const std::string &name,
                       const std::string &database) {
    if (server.run(drop_database_sql(name, server.quote), "could not drop database " + name))
        server.log.info("dropped database " + name + "; target database " + database +
                        " is unchanged");
    else
        server.log.warning("database " + name +
                           " is left over from this copy; drop it yourself. Target database " +
                           database + " is unchanged");
}

// Puts the new database in the target's place. Both renames are in one
// transaction, so the target database is either the old one or the new one;
// only then is the old one dropped.
bool swap_in(const TargetServer &server, const std::string &new_name, const std::string &database,
             const std::string &source_application) {
    bool existed = false;
    if (!database_exists(server.maintenance, database, existed, server.log))
        return false;
    if (existed && !target_database_free(server, database, source_application))
        return false;
    std::random_device random;
    const std::string old_name = side_database_name("old", getpid(), random());
    const bool renamed =
        server.run("BEGIN", "could not put the new target database in place") &&
        (!existed || server.run(rename_database_sql(database, old_name, server.quote),
                                "could not rename target database " + database)) &&
        server.run(rename_database_sql(new_name, database, server.quote),
                   "could not rename database " + new_name + " to " + database) &&
        server.run("COMMIT", "could not put the new target database in place");
    if (!renamed) {
        run_query(server.maintenance, "ROLLBACK", {}, server.log);
        return false;
    }
    if (!existed) {
        server.log.info("target database " + database + " created with the source's schema");
        return true;
    }
    if (server.run(drop_database_sql(old_name, server.quote),
                   "could not drop the previous target database, renamed " + old_name))
        server.log.info("replaced target database " + database +
                        " with the new one; the previous one is dropped");
    else
        server.log.warning("target database " + database +
                           " has the source's schema; the previous one is left as " + old_name +
                           ": drop it yourself");
    return true;
}

bool copy_schema_into(const ConnectionOptions &target, const ConnectionOptions &source,
                      const Logger &log) {
    const Connection connection = connect_target(target, log);
    if (!connection || !ensure_extension(connection.get(), log))
        return false;
    const Result result = run_query(connection.get(), copy_schema_query, {build_conninfo(source)},
                                    log, "could not copy the schema");
    if (!result)
        return false;
    std::vector<CopiedObjects> copied;
    for (int row = 0; row < PQntuples(result.get()); ++row)
        copied.push_back(CopiedObjects{field(result.get(), row, "object_type").value_or(""),
                                       number_field(result.get(), row, "created").value_or(0)});
    log.info(copied_schema_summary(copied));
    return true;
}

} // namespace

void define_copyschema_options(CLI::App &command, CommandOptions &options,
                               const EnvironmentLookup &) {
    command
        .add_option("-d,--maintenance-db", options.copyschema.maintenance_db,
                    "Database to connect to while the target database is dropped and created.")
        ->capture_default_str();
}

ExitCode run_copyschema(const Invocation &invocation) {
    const Logger log("ivory.copyschema");
    const std::string &database = invocation.global.target.dbname;
    const std::string &maintenance_db = invocation.options.copyschema.maintenance_db;
    if (database.empty()) {
        log.error("copyschema needs the name of the target database to re-create: give "
                  "--target-dbname or set $TARGET_DBNAME");
        return ExitCode::failure;
    }
    if (maintenance_db.empty() || maintenance_db == database) {
        log.error("the maintenance database must be another database than target database " +
                  database + ", which is dropped and re-created: give one with --maintenance-db");
        return ExitCode::failure;
    }

    // The source first: when it cannot be read, the target stays as it is.
    const std::string source_application = source_application_name();
    Connection source = connect_with_keywords(
        source_keywords(invocation.global.source, source_application), "the source database", log);
    if (!source)
        return ExitCode::failure;
    const std::optional<DatabaseOptions> source_options = read_source_options(source.get(), log);
    if (!source_options)
        return ExitCode::failure;

    ConnectionOptions maintenance_options = invocation.global.target;
    maintenance_options.dbname = maintenance_db;
    const Connection maintenance =
        connect_with_keywords(target_keywords(maintenance_options),
                              "maintenance database " + maintenance_db + " on the target", log);
    if (!maintenance)
        return ExitCode::failure;
    const TargetServer server(maintenance.get(), log);
    // The source session stays open until the target's sessions are listed,
    // where it shows when source and target are the same database.
    if (!target_database_free(server, database, source_application))
        return ExitCode::failure;
    source.reset();

    // The schema is built in a new database beside the target, which is
    // replaced only once the copy succeeded: a source that fails midway
    // leaves the target as it was.
    const std::optional<std::string> new_database =
        create_new_database(server, database, *source_options);
    if (!new_database)
        return ExitCode::failure;
    ConnectionOptions new_database_options = invocation.global.target;
    new_database_options.dbname = *new_database;
    if (!copy_schema_into(new_database_options, invocation.global.source, log) ||
        !swap_in(server, *new_database, database, source_application)) {
        drop_new_database(server, *new_database, database);
        return ExitCode::failure;
    }

    if (source_options->acl)
        log.warning("database ACLs are not copied: the source database has " +
                    *source_options->acl + "; grant these privileges on target database " +
                    database + " yourself");
    return ExitCode::ok;
}

} // namespace ivory::cli
