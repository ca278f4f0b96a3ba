#include "checks.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include "catalog_queries.hpp"
#include "error.hpp"
#include "hba.hpp"
#include "quote.hpp"
#include "server_versions.hpp"
#include "source_role.hpp"
#include "strings.hpp"

namespace ivory {

namespace {

// Differences listed in a check's detail; ivory.schema_diff has them all.
constexpr size_t max_listed_differences = 50;

std::string text(const Row &row, size_t column) {
    return value_or(row.at(column), "");
}

long number(const Row &row, size_t column) {
    try {
        return std::stol(text(row, column));
    } catch (const std::exception &) {
        return 0;
    }
}

Row single_row(QueryRunner &runner, const std::string &sql, const std::string &step) {
    Rows rows = runner.query(sql, step);
    if (rows.empty())
        throw Error(sqlstate::internal, "no row returned while " + step);
    return rows.front();
}

// What a check found: whether it passed, and what is wrong and how to fix it.
struct Verdict {
    bool ok;
    std::string detail;
};

// Source and target facts that several checks share, asked once.
struct SharedFacts {
    SourceRole source_role;
    std::string login_role; // the role the subscription will log in as
    Row source_settings;
    Row target_settings;
};

// A source of a newer major version than the target cannot be dumped by the
// target's pg_dump; every other pair is supported.
Verdict versions_verdict(QueryRunner &source, QueryRunner &target) {
    const int on_source = static_cast<int>(
        number(single_row(source, catalog_queries::server_version_num, "reading the version"), 0));
    const int on_target = static_cast<int>(
        number(single_row(target, catalog_queries::server_version_num, "reading the version"), 0));
    if (const std::optional<std::string> problem = source_version_problem(on_source, on_target))
        return {false, *problem + "; " + source_version_hint(on_source)};
    return {true, "source PostgreSQL " + version_text(on_source) + ", target PostgreSQL " +
                      version_text(on_target)};
}

Verdict wal_level_verdict(const SharedFacts &facts) {
    const std::string level = text(facts.source_settings, 0);
    if (level == "logical")
        return {true, "wal_level is logical"};
    return {false, "wal_level is " + level +
                       " on the source; set wal_level = logical in its postgresql.conf and "
                       "restart the source server"};
}

Verdict hba_verdict(QueryRunner &source, const SharedFacts &facts) {
    std::vector<HbaRule> rules;
    for (const Row &row :
         source.query(catalog_queries::hba_rules(facts.login_role), "reading pg_hba.conf rules")) {
        HbaRule rule;
        rule.line_number = static_cast<int>(number(row, 0));
        rule.type = text(row, 1);
        rule.databases = split_lines(text(row, 2));
        rule.users = split_lines(text(row, 3));
        rule.address = text(row, 4);
        rule.netmask = text(row, 5);
        rule.auth_method = text(row, 6);
        rule.error = text(row, 7);
        rule.regex_entries = text(row, 8) == "true";
        rule.regex_database_matches = text(row, 9) == "true";
        rule.regex_user_matches = text(row, 10) == "true";
        rules.push_back(rule);
    }
    HbaClient client;
    client.role = facts.login_role;
    client.client_address = text(facts.source_settings, 5);
    client.server_address = text(facts.source_settings, 6);
    client.ssl = text(facts.source_settings, 7) == "true";
    client.database = text(facts.source_settings, 8);
    client.role_memberships = split_lines(text(facts.source_settings, 9));
    const HbaVerdict verdict = evaluate_hba(rules, client);
    return {verdict.allowed, verdict.explanation};
}

Verdict replication_role_check(QueryRunner &source, const SharedFacts &facts) {
    std::vector<std::string> unreadable;
    if (!facts.source_role.superuser)
        unreadable = first_column(
            source.query(catalog_queries::unreadable_tables, "listing tables it may not read"));
    const RoleVerdict verdict = replication_role_verdict(facts.source_role, unreadable);
    return {verdict.ok, verdict.detail};
}

Verdict identity_verdict(QueryRunner &source) {
    const std::vector<std::string> tables = first_column(
        source.query(catalog_queries::tables_without_identity, "listing tables without identity"));
    if (tables.empty())
        return {true, "every table can replicate updates and deletes"};
    return {false, "tables without a primary key or replica identity: " + join(tables, ", ") +
                       "; add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL "
                       "(or USING INDEX)"};
}

Verdict schema_verdict(QueryRunner &source, QueryRunner &target) {
    const std::vector<SchemaDifference> differences = compare_schemas(source, target);
    if (differences.empty())
        return {true, "no differences"};
    std::vector<std::string> lines;
    for (size_t i = 0; i < differences.size() && i < max_listed_differences; ++i)
        lines.push_back(differences[i].describe());
    if (differences.size() > max_listed_differences)
        lines.push_back("... and " + std::to_string(differences.size() - max_listed_differences) +
                        " more (see ivory.schema_diff)");
    return {false, join(lines, "\n")};
}

Verdict database_options_verdict(QueryRunner &source, QueryRunner &target) {
    const Row on_source =
        single_row(source, catalog_queries::database_options, "reading database options");
    const Row on_target =
        single_row(target, catalog_queries::database_options, "reading database options");
    static const char *const names[] = {"encoding", "collation", "ctype", "connection limit",
                                        "owner"};
    std::vector<std::string> differences;
    for (size_t i = 0; i < std::size(names); ++i)
        if (text(on_source, i) != text(on_target, i))
            differences.push_back(std::string(names[i]) + ": " + text(on_source, i) +
                                  " on source, " + text(on_target, i) + " on target");
    if (differences.empty())
        return {true, "encoding " + text(on_source, 0) + ", collation " + text(on_source, 1) +
                          ", owner " + text(on_source, 4)};
    return {false, join(differences, "\n")};
}

// Slots and WAL senders: one for the subscription and one per table-sync worker.
long needed_connections(const SharedFacts &facts) {
    return 1 + number(facts.target_settings, 2);
}

Verdict capacity_verdict(const std::string &what, const std::string &setting, long maximum,
                         long used, const SharedFacts &facts) {
    const long free = maximum - used;
    const long needed = needed_connections(facts);
    std::string detail = std::to_string(free) + " of " + std::to_string(maximum) + " " + what +
                         " free, ivory needs " + std::to_string(needed) +
                         " (one for the subscription, one per table-sync worker)";
    if (free < needed)
        detail += "; raise " + setting + " on the source and restart it";
    return {free >= needed, detail};
}

Verdict target_workers_verdict(const SharedFacts &facts) {
    const long workers = number(facts.target_settings, 0);
    const long processes = number(facts.target_settings, 1);
    const long busy = number(facts.target_settings, 3);
    const long needed = needed_connections(facts);
    const long free = workers - busy;
    const bool ok = free >= needed && processes > workers;
    std::string detail = std::to_string(free) +
                         " of max_logical_replication_workers = " + std::to_string(workers) +
                         " free, ivory needs " + std::to_string(needed) +
                         "; max_worker_processes = " + std::to_string(processes);
    if (!ok)
        detail += "; raise max_logical_replication_workers (and max_worker_processes above it) "
                  "on the target and restart it";
    return {ok, detail};
}

Verdict extensions_verdict(QueryRunner &source, QueryRunner &target) {
    const Rows installed =
        source.query(catalog_queries::installed_extensions, "listing installed extensions");
    const std::vector<std::string> available_list = first_column(
        target.query(catalog_queries::available_extensions, "listing available extensions"));
    const std::set<std::string> available(available_list.begin(), available_list.end());
    std::vector<std::string> missing;
    for (const Row &row : installed)
        if (!available.count(text(row, 0)))
            missing.push_back(text(row, 0) + " " + text(row, 1));
    if (missing.empty())
        return {true, std::to_string(installed.size()) +
                          " extensions on the source, all available on the target"};
    return {false, "not available on the target: " + join(missing, ", ") +
                       "; install their packages on the target server"};
}

// pg_dump's OWNER TO and GRANT fail on a target that lacks their role, and
// the application's roles must be there after the switch; the replication
// itself does not need them (a warning).
Verdict roles_verdict(QueryRunner &source, QueryRunner &target) {
    const std::vector<std::string> needed =
        first_column(source.query(catalog_queries::schema_roles, "listing the schema's roles"));
    const std::vector<std::string> existing_list =
        first_column(target.query(catalog_queries::role_names, "listing roles"));
    const std::set<std::string> existing(existing_list.begin(), existing_list.end());
    std::vector<std::string> missing;
    for (const std::string &role : needed)
        if (!existing.count(role))
            missing.push_back(quote_identifier(role));
    if (missing.empty())
        return {true, std::to_string(needed.size()) +
                          " roles own or are granted the source's objects, all on the target"};
    return {false,
            "missing on the target: " + join(missing, ", ") + "; ivory copyroles creates them"};
}

Verdict sequences_verdict(const Row &counts) {
    const long sequences = number(counts, 0);
    return {sequences == 0, std::to_string(sequences) +
                                " sequences on the source; logical replication does not carry "
                                "their values: run ivory syncsequences before switching over"};
}

Verdict large_objects_verdict(const Row &counts) {
    const long large_objects = number(counts, 1);
    return {large_objects == 0, std::to_string(large_objects) +
                                    " large objects on the source; logical replication does not "
                                    "carry them: switchover copies them while the source is "
                                    "read-only (ivory.copy_large_objects on its own)"};
}

Verdict unlogged_verdict(QueryRunner &source) {
    const std::vector<std::string> unlogged =
        first_column(source.query(catalog_queries::unlogged_tables, "listing unlogged tables"));
    if (unlogged.empty())
        return {true, "no unlogged tables"};
    return {false, "unlogged tables are not replicated: " + join(unlogged, ", ")};
}

struct CheckSpec {
    std::string checker;
    std::string description;
    Severity severity;
    std::function<Verdict()> verdict;
    // What it means when the source does not let its role read what the
    // check needs (a role that is not a superuser): "" for nothing more.
    std::string unreadable_advice = {};
};

// Runs one check; an error of the source fails only that check. What the
// source role may not read (a managed service's role is no superuser) is a
// warning that names it, not a failure. Errors of the target's own session
// are not caught here: they abort the transaction.
CheckResult run_one(const CheckSpec &spec, const SharedFacts &facts) {
    try {
        const Verdict verdict = spec.verdict();
        return {spec.checker, spec.description, spec.severity, verdict.ok, verdict.detail};
    } catch (const Error &error) {
        if (error.fields().sqlstate == sqlstate::insufficient_privilege &&
            !facts.source_role.superuser)
            return {spec.checker, spec.description, Severity::warning, false,
                    unreadable_check_detail(facts.source_role, error.fields().message,
                                            spec.unreadable_advice)};
        std::string detail = "could not run the check: " + error.fields().message;
        if (!error.fields().detail.empty())
            detail += " (" + error.fields().detail + ")";
        return {spec.checker, spec.description, spec.severity, false, detail};
    }
}

} // namespace

namespace {

bool is_view_definition(const SchemaDifference &difference) {
    return (difference.object_type == "view" || difference.object_type == "materialized view") &&
           difference.attribute == "definition" && difference.source_value &&
           difference.target_value;
}

// Runs the same query on both sides at once: the source's is sent first and
// read after the target's. Returns (source rows, target rows).
std::pair<Rows, Rows> query_both(QueryRunner &source, QueryRunner &target, const std::string &sql,
                                 const std::string &step) {
    PendingRows source_rows = source.query_later(sql, step);
    Rows on_target;
    try {
        on_target = target.query(sql, step);
    } catch (...) {
        // The source's answer is read anyway, so that its connection is free
        // for the next check.
        try {
            source_rows();
        } catch (...) {
        }
        throw;
    }
    return {source_rows(), std::move(on_target)};
}

} // namespace

std::vector<SchemaDifference> compare_schemas(QueryRunner &source, QueryRunner &target) {
    // Usually the schemas are the same: both sides answer with a digest of
    // their facts, a few bytes instead of every fact, and only when the
    // digests differ are the facts themselves read and compared.
    try {
        const auto [on_source, on_target] =
            query_both(source, target, catalog_queries::schema_digest, "reading the schema");
        if (text_of(first_row(on_source, "reading the schema"), 0) ==
            text_of(first_row(on_target, "reading the schema"), 0))
            return {};
    } catch (const Error &error) {
        // A source older than PostgreSQL 11 has no hashtextextended; its
        // facts can still be compared. Anything else is a real failure.
        if (error.fields().sqlstate != sqlstate::undefined_function)
            throw;
    }
    auto [source_rows, target_rows] =
        query_both(source, target, catalog_queries::schema_facts, "reading the schema");
    const std::vector<SchemaFact> on_target = facts_from_rows(std::move(target_rows));
    const std::vector<SchemaFact> on_source = facts_from_rows(std::move(source_rows));
    std::vector<SchemaDifference> differences = diff_schemas(on_source, on_target);
    // A view's definition is compared as the target prints the source's
    // query: servers of different versions print the same query differently
    // (18 leaves out the table before a column when a query reads one table).
    differences.erase(
        std::remove_if(differences.begin(), differences.end(),
                       [&target](const SchemaDifference &difference) {
                           return is_view_definition(difference) &&
                                  target.view_definition_of(*difference.source_value) ==
                                      difference.target_value;
                       }),
        differences.end());
    return differences;
}

std::vector<CheckResult> run_checks(QueryRunner &source, QueryRunner &target) {
    SharedFacts facts;
    facts.source_role = read_source_role(source);
    facts.login_role = replication_login_role(facts.source_role);
    facts.source_settings = single_row(source, catalog_queries::source_settings(facts.login_role),
                                       "reading the source's settings");
    facts.target_settings =
        single_row(target, catalog_queries::target_settings, "reading the target's settings");
    // Sequences and large objects are counted by one query, asked when needed.
    std::optional<Row> counts;
    auto uncarried_counts = [&]() -> const Row & {
        if (!counts)
            counts = single_row(source, catalog_queries::uncarried_counts, "counting sequences");
        return *counts;
    };

    const std::vector<CheckSpec> specs = {
        {"versions", "the source's PostgreSQL is not newer than the target's", Severity::error,
         [&] { return versions_verdict(source, target); }},
        {"wal_level", "the source has wal_level = logical", Severity::error,
         [&] { return wal_level_verdict(facts); }},
        {"replication_role",
         "the role the subscription logs in as may replicate and read every table", Severity::error,
         [&] { return replication_role_check(source, facts); }},
        {"pg_hba",
         "the source's pg_hba.conf lets " + quote_identifier(facts.login_role) +
             " connect from the target",
         Severity::error, [&] { return hba_verdict(source, facts); },
         hba_unreadable_advice(facts.source_role)},
        {"primary_keys", "every source table has a primary key or a replica identity",
         Severity::error, [&] { return identity_verdict(source); }},
        {"schema", "source and target schemas are in sync", Severity::error,
         [&] { return schema_verdict(source, target); }},
        {"database_options",
         "database encoding, collation, ctype, connection limit and owner match", Severity::error,
         [&] { return database_options_verdict(source, target); }},
        {"replication_slots", "free replication slots on the source", Severity::error,
         [&] {
             return capacity_verdict("replication slots", "max_replication_slots",
                                     number(facts.source_settings, 1),
                                     number(facts.source_settings, 2), facts);
         }},
        {"wal_senders", "free WAL senders on the source", Severity::error,
         [&] {
             return capacity_verdict("WAL senders", "max_wal_senders",
                                     number(facts.source_settings, 3),
                                     number(facts.source_settings, 4), facts);
         }},
        {"target_workers", "enough logical replication workers on the target", Severity::error,
         [&] { return target_workers_verdict(facts); }},
        {"extensions", "extensions used on the source are available on the target", Severity::error,
         [&] { return extensions_verdict(source, target); }},
        {"roles", "the roles the source's schema names exist on the target", Severity::warning,
         [&] { return roles_verdict(source, target); }},
        {"sequences", "sequence values are not replicated", Severity::warning,
         [&] { return sequences_verdict(uncarried_counts()); }},
        {"large_objects", "large objects are not replicated", Severity::warning,
         [&] { return large_objects_verdict(uncarried_counts()); }},
        {"unlogged_tables", "unlogged tables are not replicated", Severity::warning,
         [&] { return unlogged_verdict(source); }},
    };
    std::vector<CheckResult> results;
    for (const CheckSpec &spec : specs)
        results.push_back(run_one(spec, facts));
    return results;
}

} // namespace ivory
