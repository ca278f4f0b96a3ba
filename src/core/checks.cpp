#include "checks.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "catalog_queries.hpp"
#include "error.hpp"
#include "hba.hpp"

namespace ivory {

namespace {

const std::string replication_role = "ivory_replicator";
// Differences listed in a check's detail; ivory.schema_diff has them all.
constexpr size_t max_listed_differences = 50;

std::string text(const Row &row, size_t column) { return value_or(row.at(column), ""); }

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

std::vector<std::string> split_lines(const std::string &joined) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= joined.size() && !joined.empty()) {
        size_t end = joined.find('\n', start);
        if (end == std::string::npos)
            end = joined.size();
        parts.push_back(joined.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

std::string join(const std::vector<std::string> &items, const std::string &separator) {
    std::string joined;
    for (const std::string &item : items)
        joined += (joined.empty() ? "" : separator) + item;
    return joined;
}

std::vector<std::string> first_column(const Rows &rows) {
    std::vector<std::string> values;
    for (const Row &row : rows)
        values.push_back(text(row, 0));
    return values;
}

CheckResult make(const std::string &checker, const std::string &description,
                 const std::string &severity) {
    return CheckResult{checker, description, severity, false, ""};
}

// Source and target facts that several checks share, asked once.
struct SharedFacts {
    Row source_settings;
    Row target_settings;
};

CheckResult check_wal_level(const SharedFacts &facts) {
    CheckResult result =
        make("wal_level", "the source has wal_level = logical", "error");
    const std::string level = text(facts.source_settings, 0);
    result.ok = level == "logical";
    result.detail = result.ok ? "wal_level is logical"
                              : "wal_level is " + level +
                                    " on the source; set wal_level = logical in its "
                                    "postgresql.conf and restart the source server";
    return result;
}

CheckResult check_hba(QueryRunner &source, const SharedFacts &facts) {
    CheckResult result = make("pg_hba", "the source's pg_hba.conf lets " + replication_role +
                                            " connect from the target",
                              "error");
    std::vector<HbaRule> rules;
    for (const Row &row : source.query(catalog_queries::hba_rules, "reading pg_hba.conf rules")) {
        HbaRule rule;
        rule.line_number = static_cast<int>(number(row, 0));
        rule.type = text(row, 1);
        rule.databases = split_lines(text(row, 2));
        rule.users = split_lines(text(row, 3));
        rule.address = text(row, 4);
        rule.netmask = text(row, 5);
        rule.auth_method = text(row, 6);
        rule.error = text(row, 7);
        rules.push_back(rule);
    }
    HbaClient client;
    client.role = replication_role;
    client.client_address = text(facts.source_settings, 5);
    client.server_address = text(facts.source_settings, 6);
    client.ssl = text(facts.source_settings, 7) == "true";
    client.database = text(facts.source_settings, 8);
    client.role_memberships = split_lines(text(facts.source_settings, 9));
    const HbaVerdict verdict = evaluate_hba(rules, client);
    result.ok = verdict.allowed;
    result.detail = verdict.explanation;
    return result;
}

CheckResult check_identities(QueryRunner &source) {
    CheckResult result = make("primary_keys",
                              "every source table has a primary key or a replica identity", "error");
    const std::vector<std::string> tables = first_column(
        source.query(catalog_queries::tables_without_identity, "listing tables without identity"));
    result.ok = tables.empty();
    result.detail = result.ok
                        ? "every table can replicate updates and deletes"
                        : "tables without a primary key or replica identity: " + join(tables, ", ") +
                              "; add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL "
                              "(or USING INDEX)";
    return result;
}

CheckResult check_schema(QueryRunner &source, QueryRunner &target) {
    CheckResult result = make("schema", "source and target schemas are in sync", "error");
    const std::vector<SchemaDifference> differences = compare_schemas(source, target);
    result.ok = differences.empty();
    if (result.ok) {
        result.detail = "no differences";
        return result;
    }
    std::vector<std::string> lines;
    for (size_t i = 0; i < differences.size() && i < max_listed_differences; ++i)
        lines.push_back(differences[i].describe());
    if (differences.size() > max_listed_differences)
        lines.push_back("... and " + std::to_string(differences.size() - max_listed_differences) +
                        " more (see ivory.schema_diff)");
    result.detail = join(lines, "\n");
    return result;
}

CheckResult check_database_options(QueryRunner &source, QueryRunner &target) {
    CheckResult result = make("database_options",
                              "database encoding, collation, ctype, connection limit and owner "
                              "match",
                              "error");
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
    result.ok = differences.empty();
    result.detail = result.ok ? "encoding " + text(on_source, 0) + ", collation " +
                                    text(on_source, 1) + ", owner " + text(on_source, 4)
                              : join(differences, "\n");
    return result;
}

// Slots and WAL senders: one for the subscription and one per table-sync worker.
long needed_connections(const SharedFacts &facts) { return 1 + number(facts.target_settings, 2); }

CheckResult check_capacity(const std::string &checker, const std::string &what,
                           const std::string &setting, long maximum, long used,
                           const SharedFacts &facts) {
    CheckResult result = make(checker, "free " + what + " on the source", "error");
    const long free = maximum - used;
    const long needed = needed_connections(facts);
    result.ok = free >= needed;
    result.detail = std::to_string(free) + " of " + std::to_string(maximum) + " " + what +
                    " free, ivory needs " + std::to_string(needed) +
                    " (one for the subscription, one per table-sync worker)";
    if (!result.ok)
        result.detail += "; raise " + setting + " on the source and restart it";
    return result;
}

CheckResult check_target_workers(const SharedFacts &facts) {
    CheckResult result = make("target_workers",
                              "enough logical replication workers on the target", "error");
    const long workers = number(facts.target_settings, 0);
    const long processes = number(facts.target_settings, 1);
    const long busy = number(facts.target_settings, 3);
    const long needed = needed_connections(facts);
    const long free = workers - busy;
    result.ok = free >= needed && processes > workers;
    result.detail = std::to_string(free) + " of max_logical_replication_workers = " +
                    std::to_string(workers) + " free, ivory needs " + std::to_string(needed) +
                    "; max_worker_processes = " + std::to_string(processes);
    if (!result.ok)
        result.detail += "; raise max_logical_replication_workers (and max_worker_processes "
                         "above it) on the target and restart it";
    return result;
}

CheckResult check_extensions(QueryRunner &source, QueryRunner &target) {
    CheckResult result = make("extensions",
                              "extensions used on the source are available on the target", "error");
    const Rows installed =
        source.query(catalog_queries::installed_extensions, "listing installed extensions");
    const std::vector<std::string> available_list = first_column(
        target.query(catalog_queries::available_extensions, "listing available extensions"));
    const std::set<std::string> available(available_list.begin(), available_list.end());
    std::vector<std::string> missing;
    for (const Row &row : installed)
        if (!available.count(text(row, 0)))
            missing.push_back(text(row, 0) + " " + text(row, 1));
    result.ok = missing.empty();
    result.detail = result.ok ? std::to_string(installed.size()) +
                                    " extensions on the source, all available on the target"
                              : "not available on the target: " + join(missing, ", ") +
                                    "; install their packages on the target server";
    return result;
}

std::vector<CheckResult> check_uncarried(QueryRunner &source) {
    const Row counts =
        single_row(source, catalog_queries::uncarried_counts, "counting sequences");
    const long sequences = number(counts, 0);
    const long large_objects = number(counts, 1);
    const std::vector<std::string> unlogged = first_column(
        source.query(catalog_queries::unlogged_tables, "listing unlogged tables"));

    CheckResult sequence_check =
        make("sequences", "sequence values are not replicated", "warning");
    sequence_check.ok = sequences == 0;
    sequence_check.detail = std::to_string(sequences) +
                            " sequences on the source; logical replication does not carry their "
                            "values: run ivory syncsequences before switching over";

    CheckResult large_object_check =
        make("large_objects", "large objects are not replicated", "warning");
    large_object_check.ok = large_objects == 0;
    large_object_check.detail = std::to_string(large_objects) +
                                " large objects on the source; copy them separately "
                                "(pg_dump --large-objects)";

    CheckResult unlogged_check =
        make("unlogged_tables", "unlogged tables are not replicated", "warning");
    unlogged_check.ok = unlogged.empty();
    unlogged_check.detail = unlogged.empty()
                                ? "no unlogged tables"
                                : "unlogged tables are not replicated: " + join(unlogged, ", ");
    return {sequence_check, large_object_check, unlogged_check};
}

// Runs one check; an error of the source fails only that check. Errors of the
// target's own session are not caught here: they abort the transaction.
void run_one(std::vector<CheckResult> &results, const std::string &checker,
             const std::string &description, const std::string &severity,
             const std::function<std::vector<CheckResult>()> &check) {
    try {
        for (CheckResult &result : check())
            results.push_back(std::move(result));
    } catch (const Error &error) {
        CheckResult failed = make(checker, description, severity);
        failed.detail = "could not run the check: " + error.fields().message;
        if (!error.fields().detail.empty())
            failed.detail += " (" + error.fields().detail + ")";
        results.push_back(failed);
    }
}

template <typename Check> std::function<std::vector<CheckResult>()> one(Check check) {
    return [check] { return std::vector<CheckResult>{check()}; };
}

} // namespace

std::vector<SchemaDifference> compare_schemas(QueryRunner &source, QueryRunner &target) {
    const std::vector<SchemaFact> on_source =
        facts_from_rows(source.query(catalog_queries::schema_facts, "reading the schema"));
    const std::vector<SchemaFact> on_target =
        facts_from_rows(target.query(catalog_queries::schema_facts, "reading the schema"));
    return diff_schemas(on_source, on_target);
}

std::vector<CheckResult> run_checks(QueryRunner &source, QueryRunner &target) {
    SharedFacts facts;
    facts.source_settings =
        single_row(source, catalog_queries::source_settings, "reading the source's settings");
    facts.target_settings =
        single_row(target, catalog_queries::target_settings, "reading the target's settings");

    std::vector<CheckResult> results;
    results.push_back(check_wal_level(facts));
    run_one(results, "pg_hba", "the source's pg_hba.conf lets " + replication_role +
                                   " connect from the target",
            "error", one([&] { return check_hba(source, facts); }));
    run_one(results, "primary_keys", "every source table has a primary key or a replica identity",
            "error", one([&] { return check_identities(source); }));
    run_one(results, "schema", "source and target schemas are in sync", "error",
            one([&] { return check_schema(source, target); }));
    run_one(results, "database_options", "database options match", "error",
            one([&] { return check_database_options(source, target); }));
    results.push_back(check_capacity("replication_slots", "replication slots",
                                     "max_replication_slots", number(facts.source_settings, 1),
                                     number(facts.source_settings, 2), facts));
    results.push_back(check_capacity("wal_senders", "WAL senders", "max_wal_senders",
                                     number(facts.source_settings, 3),
                                     number(facts.source_settings, 4), facts));
    results.push_back(check_target_workers(facts));
    run_one(results, "extensions", "extensions used on the source are available on the target",
            "error", one([&] { return check_extensions(source, target); }));
    run_one(results, "uncarried", "what logical replication does not carry", "warning",
            [&] { return check_uncarried(source); });
    return results;
}

} // namespace ivory
