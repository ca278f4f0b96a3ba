#include "target.hpp"

#include <cstdlib>
#include <stdexcept>

#include "../src/core/session_settings.hpp"
#include "version.hpp"

namespace ivory::cli {

namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

// Server NOTICEs and WARNINGs become log lines instead of raw text on stderr.
void log_notice(void *, const PGresult *notice) {
    static const Logger server_log("ivory.server");
    const char *severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
    const std::string level = severity ? severity : "NOTICE";
    const LogLevel log_level = level == "WARNING" ? LogLevel::warning
                               : level == "DEBUG" ? LogLevel::debug
                                                  : LogLevel::info;
    const char *primary = PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY);
    server_log.log(log_level,
                   format_server_error(primary ? primary : "",
                                       PQresultErrorField(notice, PG_DIAG_MESSAGE_DETAIL),
                                       PQresultErrorField(notice, PG_DIAG_MESSAGE_HINT)));
}

std::string database_name(PGconn *connection) {
    const char *name = PQdb(connection);
    return name ? name : "";
}

// False when the query failed (logged); `version` stays empty when the
// extension is not installed.
bool read_installed_version(PGconn *connection, const Logger &log,
                            std::optional<std::string> &version) {
    const Result result = run_query(
        connection, "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'ivory'", {},
        log);
    if (!result)
        return false;
    version = field(result.get(), 0, "extversion");
    return true;
}

} // namespace

Keywords target_keywords(const ConnectionOptions &options) {
    Keywords keywords = connection_keywords(options);
    keywords.emplace_back("fallback_application_name", "ivory");
    // Names and diffs are written to UTF-8 files and terminals whatever the
    // database encoding.
    keywords.emplace_back("client_encoding", "UTF8");
    return keywords;
}

Connection connect_with_keywords(const Keywords &keywords, const std::string &what,
                                 const Logger &log) {
    // The limits every server has are lifted at login, before any
    // statement (later keywords override it).
    const std::string options = startup_options();
    std::vector<const char *> names = {"options"};
    std::vector<const char *> values = {options.c_str()};
    for (const auto &[keyword, value] : keywords) {
        names.push_back(keyword.c_str());
        values.push_back(value.c_str());
    }
    names.push_back(nullptr);
    values.push_back(nullptr);
    // expand_dbname = 0: a database name is only ever a name, never a
    // connection string smuggled in through --target-dbname.
    Connection connection(PQconnectdbParams(names.data(), values.data(), 0));
    if (!connection) {
        log.error("could not connect to " + what + ": out of memory");
        return nullptr;
    }
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        log.error("could not connect to " + what + ": " +
                  trimmed(PQerrorMessage(connection.get())));
        return nullptr;
    }
    PQsetNoticeReceiver(connection.get(), log_notice, nullptr);
    // The database's and role's defaults may bound statements, lock waits and
    // idle transactions; what this command runs (a copy, verify, switchover
    // in one SQL call) takes as long as it takes, as pg_dump's sessions do.
    // ivory's own sessions write where a cut-over made the database read-only
    // for everyone else (switchback again, drop, unlock).
    std::vector<SessionSetting> settings = {{"default_transaction_read_only", "off"}};
    for (SessionSetting &setting : unbounded_session_settings(PQserverVersion(connection.get())))
        settings.push_back(std::move(setting));
    if (!run_query(connection.get(), set_config_query(settings), {}, log,
                   "could not set up the session on " + what))
        return nullptr;
    return connection;
}

Connection connect_target(const ConnectionOptions &options, const Logger &log) {
    Connection connection =
        connect_with_keywords(target_keywords(options), "the target database", log);
    if (connection) {
        // The source connection string, password included, travels as a bind
        // parameter, which log_statement = 'all' would log. A superuser may
        // turn that off for this session; for others the SET fails harmlessly.
        PQclear(PQexecParams(connection.get(), "SET log_parameter_max_length = 0", 0, nullptr,
                             nullptr, nullptr, nullptr, 0));
    }
    return connection;
}

std::string reached_conninfo(PGconn *connection) {
    const auto value = [](const char *text) { return std::string(text ? text : ""); };
    return build_conninfo({value(PQhost(connection)), value(PQport(connection)),
                           value(PQuser(connection)), value(PQpass(connection)),
                           value(PQdb(connection))});
}

bool ensure_extension(PGconn *connection, const Logger &log) {
    std::optional<std::string> version;
    if (!read_installed_version(connection, log, version))
        return false;
    if (!version) {
        if (!run_query(connection, "CREATE EXTENSION ivory", {}, log,
                       "could not create extension ivory in target database " +
                           database_name(connection)) ||
            !read_installed_version(connection, log, version))
            return false;
        log.info("created extension ivory in target database " + database_name(connection));
    }
    if (version == expected_extension_version)
        return true;
    // Another version's functions may take other arguments or mean other
    // things: refused, with the way to match.
    const std::string installed = version.value_or("(unknown)");
    log.error("extension ivory in target database " + database_name(connection) + " has version " +
              installed + ", this ivory needs " + expected_extension_version);
    const Result path = run_query(connection,
                                  "SELECT 1 FROM pg_catalog.pg_extension_update_paths('ivory') "
                                  "WHERE source = $1 AND target = $2 AND path IS NOT NULL",
                                  {installed, expected_extension_version}, log);
    if (path && PQntuples(path.get()) > 0)
        log.error(std::string("HINT: Update it (as a superuser) with ALTER EXTENSION ivory "
                              "UPDATE TO '") +
                  expected_extension_version + "', then run this command again.");
    else
        log.error("HINT: Install the ivory command of version " + installed +
                  " (or the extension's files of version " + expected_extension_version +
                  ", then ALTER EXTENSION ivory UPDATE).");
    return false;
}

Result run_query(PGconn *connection, const std::string &sql,
                 const std::vector<std::string> &parameters, const Logger &log,
                 const std::string &failing_step) {
    std::vector<const char *> values;
    for (const std::string &parameter : parameters)
        values.push_back(parameter.c_str());
    Result result(PQexecParams(connection, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
        return result;
    const std::string prefix = failing_step.empty() ? "" : failing_step + ": ";
    const char *primary =
        result ? PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    if (primary) {
        log.error(prefix + format_server_error(
                               primary, PQresultErrorField(result.get(), PG_DIAG_MESSAGE_DETAIL),
                               PQresultErrorField(result.get(), PG_DIAG_MESSAGE_HINT),
                               PQresultErrorField(result.get(), PG_DIAG_CONTEXT)));
    } else {
        // No server error: the connection broke or libpq failed locally.
        log.error(prefix + trimmed(PQerrorMessage(connection)));
    }
    return nullptr;
}

std::optional<std::string> field(const PGresult *result, int row, const char *column) {
    const int number = PQfnumber(result, column);
    if (number < 0 || row >= PQntuples(result) || PQgetisnull(result, row, number))
        return std::nullopt;
    return std::string(PQgetvalue(result, row, number),
                       static_cast<size_t>(PQgetlength(result, row, number)));
}

std::optional<long long> number_field(const PGresult *result, int row, const char *column) {
    const std::optional<std::string> text = field(result, row, column);
    if (!text)
        return std::nullopt;
    char *end = nullptr;
    const long long value = std::strtoll(text->c_str(), &end, 10);
    return end != text->c_str() ? std::optional<long long>(value) : std::nullopt;
}

std::optional<double> decimal_field(const PGresult *result, int row, const char *column) {
    const std::optional<std::string> text = field(result, row, column);
    if (!text)
        return std::nullopt;
    char *end = nullptr;
    const double value = std::strtod(text->c_str(), &end);
    return end != text->c_str() ? std::optional<double>(value) : std::nullopt;
}

std::optional<bool> boolean_field(const PGresult *result, int row, const char *column) {
    const std::optional<std::string> text = field(result, row, column);
    if (!text)
        return std::nullopt;
    return *text == "t";
}

std::string format_server_error(const std::string &message, const char *detail, const char *hint,
                                const char *context) {
    std::string text = message;
    if (detail && *detail)
        text += std::string("\nDETAIL: ") + detail;
    if (hint && *hint)
        text += std::string("\nHINT: ") + hint;
    if (context && *context)
        text += std::string("\nCONTEXT: ") + context;
    return text;
}

namespace {

using Escaper = char *(*)(PGconn *, const char *, size_t);

std::string escape_with(Escaper escape, PGconn *connection, const std::string &text) {
    std::unique_ptr<char, decltype(&PQfreemem)> quoted(escape(connection, text.data(), text.size()),
                                                       &PQfreemem);
    if (!quoted)
        throw std::runtime_error("could not quote a value for SQL: " +
                                 trimmed(PQerrorMessage(connection)));
    return quoted.get();
}

} // namespace

std::string quote_identifier(PGconn *connection, const std::string &identifier) {
    return escape_with(PQescapeIdentifier, connection, identifier);
}

std::string quote_literal(PGconn *connection, const std::string &literal) {
    return escape_with(PQescapeLiteral, connection, literal);
}

std::string describe_connected(PGconn *connection) {
    Keywords keywords;
    const std::pair<const char *, char *(*)(const PGconn *)> parts[] = {
        {"host", PQhost}, {"port", PQport}, {"user", PQuser}, {"dbname", PQdb}};
    for (const auto &[keyword, getter] : parts)
        if (const char *value = getter(connection); value && *value)
            keywords.emplace_back(keyword, value);
    return describe_connection(keywords);
}

} // namespace ivory::cli
