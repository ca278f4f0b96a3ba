// The pure parts of `ivory copyschema`: the statements that re-create the
// target database with the source database's options, and the messages about
// it. Quoting is passed in, so that the real command quotes with libpq
// (PQescapeIdentifier / PQescapeLiteral) and tests can see what goes where.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ivory::cli {

// What CREATE DATABASE takes over from the source database.
struct DatabaseOptions {
    std::string encoding;   // "UTF8"
    std::string collate;    // datcollate
    std::string ctype;      // datctype
    std::string provider;   // "libc" or "icu"; a source before PostgreSQL 15 is always libc
    std::string icu_locale; // daticulocale, only with the icu provider
    long long connection_limit = -1; // datconnlimit, -1 for no limit
    std::string owner;               // pg_get_userbyid(datdba)
    std::optional<std::string> acl;  // datacl::text, nullopt when it is NULL
};

// pg_database.datlocprovider ('c', 'i', 'b') as LOCALE_PROVIDER takes it.
std::string locale_provider_name(const std::string &datlocprovider);

// The locale settings of template1 on the target, which CREATE DATABASE copies
// from unless it is given template0.
struct TemplateLocale {
    std::string encoding;
    std::string collate;
    std::string ctype;
    std::string provider;
    std::string icu_locale;
};

// PostgreSQL copies a template only when the new database has its encoding,
// collation, ctype and locale provider; template0 holds no data that depends
// on them, so it can be copied with any.
bool needs_template0(const DatabaseOptions &source, const TemplateLocale &template1);

struct SqlQuoting {
    std::function<std::string(const std::string &)> identifier;
    std::function<std::string(const std::string &)> literal;
};

// DROP DATABASE IF EXISTS <database>
std::string drop_database_sql(const std::string &database, const SqlQuoting &quote);

// ALTER DATABASE <from> RENAME TO <to>
std::string rename_database_sql(const std::string &from, const std::string &to,
                                const SqlQuoting &quote);

// The name of a database that copyschema keeps beside the target while it
// works: "ivory_copyschema_<purpose>_<pid>_<tag in hex>", where purpose is
// "new" (built from the source) or "old" (the previous target, while the two
// are swapped). Short enough for PostgreSQL's 63-byte names.
std::string side_database_name(const std::string &purpose, long pid, unsigned tag);

// CREATE DATABASE <database> WITH OWNER <o> ENCODING '<e>' LC_COLLATE '<c>'
// LC_CTYPE '<t>' LOCALE_PROVIDER '<p>' [ICU_LOCALE '<l>'] CONNECTION LIMIT <n>
// [TEMPLATE template0]
std::string create_database_sql(const std::string &database, const DatabaseOptions &options,
                                bool from_template0, const SqlQuoting &quote);

// "Created via ivory on 2024-05-01 12:00:00 UTC"
std::string database_comment(std::chrono::system_clock::time_point when);

// COMMENT ON DATABASE <database> IS '<comment>'
std::string comment_on_database_sql(const std::string &database, const std::string &comment,
                                    const SqlQuoting &quote);

// A row of pg_stat_activity; a field is nullopt where the view shows NULL
// (a client on the unix socket has no address, another role's session hides
// its state from an unprivileged user).
struct DatabaseSession {
    std::string pid;
    std::optional<std::string> user;
    std::optional<std::string> application;
    std::optional<std::string> client;
    std::optional<std::string> state;
};

// "target database X is in use by N session(s): pid 123 (user u, application
// a, client c, state s), ..."
std::string sessions_in_use_message(const std::string &database,
                                    const std::vector<DatabaseSession> &sessions);

// A row of ivory.copy_schema(): how many objects of one pg_dump kind were created.
struct CopiedObjects {
    std::string object_type;
    long long created = 0;
};

// "schema copied: 12 TABLE, 3 INDEX", in the order given, kinds with none left
// out; "schema copied: the source database has no objects to copy" for none.
std::string copied_schema_summary(const std::vector<CopiedObjects> &rows);

} // namespace ivory::cli
