#include "source_role.hpp"

#include "catalog_queries.hpp"
#include "quote.hpp"
#include "replication_naming.hpp"
#include "strings.hpp"

namespace ivory {

namespace {

// pg_read_all_data came with PostgreSQL 14.
constexpr int read_all_data_version = 140000;

std::string who(const SourceRole &role) {
    return quote_identifier(role.name);
}

std::string replication_grant(const SourceRole &role) {
    return "as a superuser, ALTER ROLE " + who(role) + " REPLICATION (on Amazon RDS: GRANT " +
           "rds_replication TO " + who(role) + ")";
}

std::string read_grant(const SourceRole &role, const std::vector<std::string> &tables,
                       const std::string &object_kind) {
    std::string grant = "GRANT SELECT ON " + object_kind + " " + listed_names(tables) + " TO " +
                        who(role) + " (as the owner or a superuser)";
    if (role.server_version >= read_all_data_version)
        grant += ", or GRANT pg_read_all_data TO " + who(role) + " (as a superuser)";
    return grant;
}

} // namespace

std::string listed_names(const std::vector<std::string> &names, size_t shown) {
    if (names.size() <= shown)
        return join(names, ", ");
    const std::vector<std::string> first(names.begin(), names.begin() + shown);
    return join(first, ", ") + " and " + std::to_string(names.size() - shown) + " more";
}

SourceRole source_role_from_row(const Row &row) {
    SourceRole role;
    role.name = text_of(row, 0);
    role.superuser = text_of(row, 1) == "true";
    role.replication = text_of(row, 2) == "true";
    role.server_version = static_cast<int>(number_of(row.at(3)));
    return role;
}

SourceRole read_source_role(QueryRunner &source) {
    return source_role_from_row(first_row(
        source.query(catalog_queries::source_role, "reading the source role's attributes"),
        "reading the source role's attributes"));
}

ReplicationLogin replication_login(const SourceRole &role) {
    return role.superuser ? ReplicationLogin::ivory_role : ReplicationLogin::source_role;
}

std::string replication_login_role(const SourceRole &role) {
    return replication_login(role) == ReplicationLogin::ivory_role ? replication_role : role.name;
}

RoleVerdict replication_role_verdict(const SourceRole &role,
                                     const std::vector<std::string> &unreadable_tables) {
    if (role.superuser)
        return {true, who(role) + " is a superuser: replication create makes the role " +
                          std::string(replication_role) + " for the subscription to log in as"};
    std::vector<std::string> problems;
    if (!role.replication)
        problems.push_back(who(role) +
                           " is not a superuser and has no REPLICATION attribute, which the "
                           "subscription's login needs: " +
                           replication_grant(role));
    if (!unreadable_tables.empty())
        problems.push_back(
            who(role) + " may not read " + listed_names(unreadable_tables) +
            ", which the initial copy reads: " + read_grant(role, unreadable_tables, "TABLE"));
    if (!problems.empty())
        return {false, join(problems, "; ")};
    return {true, who(role) +
                      " is not a superuser, so ivory makes no role on the source: the "
                      "subscription logs in as " +
                      who(role) + " itself, which has REPLICATION and may read every table"};
}

std::string unreadable_check_detail(const SourceRole &role, const std::string &refusal,
                                    const std::string &advice) {
    std::string detail = "not checked: the source refused to let " + who(role) +
                         " read what this check needs (" + refusal + "), as " + who(role) +
                         " is not a superuser";
    if (!advice.empty())
        detail += ". " + advice;
    return detail;
}

std::string hba_unreadable_advice(const SourceRole &role) {
    return "The subscription will log in as " + who(role) +
           " from this server the way this check just did, so the pg_hba.conf line that let "
           "the check in lets the subscription in too. To have the file checked, a superuser "
           "can run GRANT SELECT ON pg_catalog.pg_hba_file_rules TO " +
           who(role) + "; GRANT EXECUTE ON FUNCTION pg_catalog.pg_hba_file_rules() TO " + who(role);
}

Error needs_replication_attribute(const SourceRole &role) {
    return Error(sqlstate::insufficient_privilege,
                 "role " + who(role) +
                     " may not replicate: it is not a superuser and has no REPLICATION attribute",
                 "A source role that is not a superuser replicates as itself: ivory makes no "
                 "role of its own on the source, and the subscription logs in as " +
                     who(role) + ".",
                 "Grant it REPLICATION: " + replication_grant(role) + ".");
}

Error cannot_read_tables(const SourceRole &role, const std::vector<std::string> &tables,
                         const std::string &purpose) {
    return Error(sqlstate::insufficient_privilege,
                 "role " + who(role) + " may not read " + listed_names(tables) + " on the source",
                 purpose + ".", read_grant(role, tables, "TABLE") + ".");
}

Error cannot_publish_tables(const SourceRole &role, const std::string &publication,
                            const std::vector<std::string> &tables) {
    constexpr size_t shown = 5;
    std::vector<std::string> statements;
    for (size_t i = 0; i < tables.size() && i < shown; ++i)
        statements.push_back("ALTER TABLE " + tables[i] + " OWNER TO " + who(role));
    std::string give = join(statements, "; ");
    if (tables.size() > shown)
        give += " (and so on for the " + std::to_string(tables.size() - shown) + " others)";
    return Error(sqlstate::insufficient_privilege,
                 "role " + who(role) + " may not add " + listed_names(tables) + " to publication " +
                     quote_identifier(publication) + ": only a table's owner may publish it",
                 "Only a superuser may create a publication FOR ALL TABLES; another role "
                 "publishes the tables it owns, one by one.",
                 "Make " + who(role) + " the owner (as the owner or a superuser): " + give +
                     "; or have a superuser create the publication first: CREATE PUBLICATION " +
                     quote_identifier(publication) +
                     " FOR ALL TABLES, then run replication create again.");
}

Error cannot_read_sequences(const SourceRole &role, const std::vector<std::string> &sequences) {
    return Error(sqlstate::insufficient_privilege,
                 "role " + who(role) + " may not read the value of sequence(s) " +
                     listed_names(sequences) + " on the source",
                 "pg_sequences shows last_value only to roles with SELECT or USAGE on the "
                 "sequence; without it the sequence would be taken for unused. Nothing was set.",
                 read_grant(role, sequences, "SEQUENCE") + ".");
}

Error cannot_lock_database(const SourceRole &role, const std::string &database,
                           const std::string &owner) {
    return Error(sqlstate::insufficient_privilege,
                 "role " + who(role) + " may not make database " + quote_identifier(database) +
                     " read-only: only its owner (" + quote_identifier(owner) +
                     ") or a superuser may ALTER DATABASE " + quote_identifier(database) +
                     " SET default_transaction_read_only",
                 "switchover locks the source with ALTER DATABASE ... SET "
                 "default_transaction_read_only = on. The source was not locked; nothing changed.",
                 "ALTER DATABASE " + quote_identifier(database) + " OWNER TO " + who(role) +
                     " (as its owner or a superuser); or stop the application's writes yourself "
                     "and run switchover with --no-lock-source (lock_source => false).");
}

Error cannot_end_sessions(const SourceRole &role, const std::vector<std::string> &sessions) {
    return Error(sqlstate::insufficient_privilege,
                 "role " + who(role) + " may not end the source database's sessions of " +
                     listed_names(sessions),
                 "switchover ends every other client session of the source database, so that "
                 "none writes after the lock; ending another role's session needs membership in "
                 "that role or in pg_signal_backend, and a superuser's needs a superuser.",
                 "GRANT pg_signal_backend TO " + who(role) +
                     " (as a superuser), or end those sessions yourself, then run switchover "
                     "again; or stop the application's writes yourself and run switchover with "
                     "--no-lock-source (lock_source => false).");
}

Error cannot_unlock_database(const SourceRole &role, const std::string &database,
                             const std::string &owner) {
    return Error(sqlstate::insufficient_privilege,
                 "role " + who(role) + " may not make database " + quote_identifier(database) +
                     " writable again: only its owner (" + quote_identifier(owner) +
                     ") or a superuser may ALTER DATABASE " + quote_identifier(database) +
                     " RESET default_transaction_read_only",
                 "",
                 "As its owner or a superuser: ALTER DATABASE " + quote_identifier(database) +
                     " RESET default_transaction_read_only.");
}

Error cannot_drop_ivory_role(const SourceRole &role, const std::string &refusal) {
    const std::string ivory_role = quote_identifier(replication_role);
    return Error(sqlstate::insufficient_privilege,
                 "role " + who(role) + " may not drop the role " + ivory_role +
                     " that an earlier replication made on the source",
                 refusal + ".",
                 "As a superuser: DROP OWNED BY " + ivory_role + "; DROP ROLE " + ivory_role +
                     "; or keep it: drop_user => false (--no-drop-user).");
}

} // namespace ivory
