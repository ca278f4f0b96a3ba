#include "database_copy.hpp"

#include <cstdio>

#include "report_file.hpp"

namespace ivory::cli {

std::string locale_provider_name(const std::string &datlocprovider) {
    if (datlocprovider == "i")
        return "icu";
    if (datlocprovider == "b")
        return "builtin";
    return "libc";
}

bool needs_template0(const DatabaseOptions &source, const TemplateLocale &template1) {
    if (source.encoding != template1.encoding || source.collate != template1.collate ||
        source.ctype != template1.ctype || source.provider != template1.provider)
        return true;
    // The ICU locale matters only where ICU is the provider.
    return source.provider == "icu" && source.icu_locale != template1.icu_locale;
}

std::string drop_database_sql(const std::string &database, const SqlQuoting &quote) {
    return "DROP DATABASE IF EXISTS " + quote.identifier(database);
}

std::string rename_database_sql(const std::string &from, const std::string &to,
                                const SqlQuoting &quote) {
    return "ALTER DATABASE " + quote.identifier(from) + " RENAME TO " + quote.identifier(to);
}

std::string side_database_name(const std::string &purpose, long pid, unsigned tag) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "_%ld_%08x", pid, tag);
    return "ivory_copyschema_" + purpose + suffix;
}

std::string create_database_sql(const std::string &database, const DatabaseOptions &options,
                                bool from_template0, const SqlQuoting &quote) {
    std::string sql = "CREATE DATABASE " + quote.identifier(database) + " WITH OWNER " +
                      quote.identifier(options.owner) + " ENCODING " +
                      quote.literal(options.encoding) + " LC_COLLATE " +
                      quote.literal(options.collate) + " LC_CTYPE " + quote.literal(options.ctype);
    // Always named: without it the new database would take template1's
    // provider, which need not be the source's.
    sql += " LOCALE_PROVIDER " + quote.literal(options.provider);
    if (options.provider == "icu")
        sql += " ICU_LOCALE " + quote.literal(options.icu_locale);
    sql += " CONNECTION LIMIT " + std::to_string(options.connection_limit);
    if (from_template0)
        sql += " TEMPLATE template0";
    return sql;
}

std::string database_comment(std::chrono::system_clock::time_point when) {
    return "Created via ivory on " + utc_timestamp(when);
}

std::string comment_on_database_sql(const std::string &database, const std::string &comment,
                                    const SqlQuoting &quote) {
    return "COMMENT ON DATABASE " + quote.identifier(database) + " IS " + quote.literal(comment);
}

std::string sessions_in_use_message(const std::string &database,
                                    const std::vector<DatabaseSession> &sessions) {
    std::string message = "target database " + database + " is in use by " +
                          std::to_string(sessions.size()) + " session(s): ";
    bool first = true;
    for (const DatabaseSession &session : sessions) {
        if (!first)
            message += ", ";
        first = false;
        const std::string application = session.application.value_or("");
        message += "pid " + session.pid + " (user " + session.user.value_or("(unknown)") +
                   ", application " + (application.empty() ? "(none)" : application) + ", client " +
                   session.client.value_or("local socket") + ", state " +
                   session.state.value_or("(unknown)") + ")";
    }
    return message;
}

std::string copied_schema_summary(const std::vector<CopiedObjects> &rows) {
    std::string counts;
    for (const CopiedObjects &row : rows) {
        if (row.created == 0)
            continue;
        if (!counts.empty())
            counts += ", ";
        counts += std::to_string(row.created) + " " + row.object_type;
    }
    if (counts.empty())
        return "schema copied: the source database has no objects to copy";
    return "schema copied: " + counts;
}

} // namespace ivory::cli
