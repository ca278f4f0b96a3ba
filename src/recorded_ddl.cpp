#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "recorded_ddl.hpp"

#include "core/ddl_tracking.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/strings.hpp"
#include "pg/apply_worker.hpp"
#include "pg/ddl_statements.hpp"
#include "pg/guard.hpp"
#include "pg/replication_catalog.hpp"
#include "pg/subtransaction.hpp"
#include "remote/connection.hpp"

namespace ivory {

namespace {

// The pending commands the status names one by one; the rest are counted.
constexpr size_t listed_pending = 5;
// A command in an error message or a status line, shortened.
constexpr size_t shown_command_bytes = 200;

// Secrets stay out of every place a command is shown.
std::string shown(const std::string &command) {
    std::string text = pg::redacted_query(command);
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (text.size() > shown_command_bytes)
        text = text.substr(0, shown_command_bytes) + "...";
    return text;
}

std::string fix_hint(long long id) {
    const std::string number = std::to_string(id);
    return "Fix the target by hand, then run ivory replication ddl --retry " + number +
           " (SELECT ivory.replication_ddl_retry(" + number +
           ")), or, when the target already has what the command makes, --skip " + number + ".";
}

// The statement of the source's query string that the event fired for: the
// ordinal-th DDL statement of the string when its tag agrees, else the only
// one with that tag.
pg::DdlStatement statement_of(const DdlRecord &record) {
    const std::vector<pg::DdlStatement> statements = pg::event_trigger_statements(record.command);
    const size_t ordinal = static_cast<size_t>(std::max(record.ordinal, 0));
    if (ordinal < statements.size() && statements[ordinal].command_tag == record.command_tag)
        return statements[ordinal];
    std::vector<const pg::DdlStatement *> same_tag;
    for (const pg::DdlStatement &statement : statements)
        if (statement.command_tag == record.command_tag)
            same_tag.push_back(&statement);
    if (same_tag.size() == 1)
        return *same_tag.front();
    throw Error("0A000",
                "DDL command " + std::to_string(record.id) + " (" + record.command_tag +
                    ") cannot be found in the query the source ran",
                "The source ran: " + shown(record.command) +
                    ". A command run by a function or a DO block is not in the query itself.",
                "Run it on the target by hand, then ivory replication ddl --skip " +
                    std::to_string(record.id) + ".");
}

// Permanent tables of user schemas that the subscription does not have: a
// recorded CREATE TABLE adds one.
std::set<std::string> tables_outside_subscription(pg::LocalSession &target,
                                                  const std::string &subscription_oid) {
    std::set<std::string> tables;
    for (const Row &row : target.query(
             "SELECT c.oid::pg_catalog.text FROM pg_catalog.pg_class c "
             "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
             "WHERE c.relkind = 'r' AND c.relpersistence = 'p' "
             "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'ivory') "
             "AND n.nspname NOT LIKE 'pg\\_%' AND NOT EXISTS (SELECT FROM "
             "pg_catalog.pg_subscription_rel r WHERE r.srsubid = $1::oid AND r.srrelid = c.oid)",
             {Value(subscription_oid)}, "listing the tables outside the subscription"))
        tables.insert(text_of(row, 0));
    return tables;
}

// The tables of a record's objects ("table public.t, index public.t_pkey")
// that exist here, as oids.
std::vector<std::string> tables_named(pg::LocalSession &target, const std::string &objects) {
    std::vector<std::string> tables;
    for (const Row &row : target.query(
             "SELECT c.oid::pg_catalog.text FROM pg_catalog.regexp_split_to_table($1, ', ') o, "
             "pg_catalog.pg_class c WHERE o LIKE 'table %' AND c.oid = "
             "pg_catalog.to_regclass(pg_catalog.substr(o, 7)) AND c.relkind = 'r'",
             {Value(objects)}, "finding the tables of a skipped command"))
        tables.push_back(text_of(row, 0));
    return tables;
}

std::string qualified_table_name(pg::LocalSession &target, const std::string &table_oid) {
    return text_of(first_row(target.query("SELECT pg_catalog.format('%I.%I', n.nspname, "
                                          "c.relname) FROM pg_catalog.pg_class c JOIN "
                                          "pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                          "WHERE c.oid = $1::oid",
                                          {Value(table_oid)}, "naming a table"),
                             "naming a table"),
                   0);
}

bool role_exists(pg::LocalSession &target, const std::string &role) {
    return !target
                .query("SELECT FROM pg_catalog.pg_roles WHERE rolname = $1", {Value(role)},
                       "looking up the command's role")
                .empty();
}

// The apply worker's transaction aborts with the error; the source keeps
// what failed, for the status. Best effort: the error is raised anyway.
void note_failure_on_source(const pg::ApplyingSubscription &applying, long long id,
                            const std::string &error) {
    try {
        remote::Connection source(applying.conninfo);
        source.query(ddl_failure_upsert(id, applying.name, error),
                     "noting a DDL command's failure");
    } catch (...) {
    }
}

void note_state(pg::LocalSession &target, const std::string &subscription_oid, long long id,
                const std::string &state, const std::string &detail) {
    target.execute("INSERT INTO ivory.ddl_applied (subscription, id, state, detail) VALUES (" +
                   quote_literal(subscription_oid) + "::pg_catalog.oid, " + std::to_string(id) +
                   ", " + quote_literal(state) + ", " + quote_literal(detail) + ")");
}

} // namespace

void apply_recorded_ddl(const DdlRecord &record) {
    const std::optional<pg::ApplyingSubscription> applying = pg::applying_subscription();
    if (!applying)
        return;
    pg::LocalSession target(false);
    if (!target
             .query("SELECT state FROM ivory.ddl_applied WHERE subscription = $1::oid AND id = "
                    "$2::pg_catalog.int8",
                    {Value(applying->oid), Value(std::to_string(record.id))},
                    "looking up the command's state")
             .empty()) {
        // Skipped by the DBA, who made its objects by hand: a table of them
        // still joins the subscription, or its rows would be passed over.
        const std::set<std::string> outside = tables_outside_subscription(target, applying->oid);
        for (const std::string &table : tables_named(target, record.objects))
            if (outside.count(table))
                pg::add_ready_subscription_table(applying->oid, table);
        return;
    }
    const std::set<std::string> before = tables_outside_subscription(target, applying->oid);
    std::string detail;
    try {
        const pg::DdlStatement statement = statement_of(record);
        if (statement.temporary) {
            note_state(target, applying->oid, record.id, "applied",
                       "a temporary table on the source: nothing to make here");
            return;
        }
        if (statement.concurrently_removed)
            detail = "run without CONCURRENTLY, inside the apply's transaction";
        const bool as_role = role_exists(target, record.role_name);
        if (!as_role)
            detail += std::string(detail.empty() ? "" : "; ") +
                      "run as the subscription's owner: " + quote_identifier(record.role_name) +
                      " does not exist here";
        pg::in_subtransaction([&] {
            pg::LocalSettingsScope settings;
            settings.set("search_path", record.search_path);
            if (as_role)
                settings.set("role", record.role_name);
            target.execute(statement.text);
        });
    } catch (pg::PgError &error) {
        // SPI's context quotes the statement, password and all.
        for (const std::string &secret : pg::secret_constants(record.command))
            error.redact(secret);
        note_failure_on_source(*applying, record.id, error.what());
        error.add_context("ivory applying DDL command " + std::to_string(record.id) +
                          " recorded on the source: " + shown(record.command));
        error.add_hint_if_missing(fix_hint(record.id));
        throw;
    } catch (const Error &error) {
        note_failure_on_source(*applying, record.id, error.fields().message);
        throw;
    }
    // A table the command made is empty at this point of the stream: every
    // row of it comes after, so it joins the subscription ready. CREATE
    // TABLE AS filled it from this side's rows: emptied for the source's.
    const bool filled =
        record.command_tag == "CREATE TABLE AS" || record.command_tag == "SELECT INTO";
    for (const std::string &table : tables_outside_subscription(target, applying->oid)) {
        if (before.count(table))
            continue;
        if (filled)
            target.execute("TRUNCATE " + qualified_table_name(target, table));
        pg::add_ready_subscription_table(applying->oid, table);
    }
    note_state(target, applying->oid, record.id, "applied", detail);
}

bool source_records_ddl(QueryRunner &source) {
    return text_of(first_row(source.query(ddl_tracking_installed_query(),
                                          "looking up ivory's DDL tracking"),
                             "looking up ivory's DDL tracking"),
                   0) == "true";
}

std::vector<RecordedDdl> recorded_ddl(pg::LocalSession &target, QueryRunner &source,
                                      const Subscription &subscription) {
    if (!source_records_ddl(source))
        return {};
    return read_recorded_ddl(target, source, subscription);
}

std::vector<RecordedDdl> read_recorded_ddl(pg::LocalSession &target, QueryRunner &source,
                                           const Subscription &subscription) {
    std::map<long long, std::pair<std::string, std::string>> here; // id: state, detail
    for (const Row &row :
         target.query("SELECT id::pg_catalog.text, state, detail FROM ivory.ddl_applied WHERE "
                      "subscription = $1::oid",
                      {Value(subscription.oid)}, "reading the applied DDL commands"))
        here[number_of(row.at(0))] = {text_of(row, 1), text_of(row, 2)};
    std::set<long long> arrived;
    for (const Row &row : target.query("SELECT id::pg_catalog.text FROM ivory.ddl_commands",
                                       "reading the replicated DDL commands"))
        arrived.insert(number_of(row.at(0)));

    std::vector<RecordedDdl> commands;
    for (const Row &row :
         source.query(recorded_ddl_query(subscription.name), "reading the recorded DDL commands")) {
        RecordedDdl command;
        command.id = number_of(row.at(0));
        command.recorded_at = text_of(row, 1);
        command.role_name = text_of(row, 2);
        command.search_path = text_of(row, 3);
        command.command_tag = text_of(row, 4);
        command.objects = text_of(row, 5);
        command.command = pg::redacted_query(text_of(row, 6));
        if (const auto found = here.find(command.id); found != here.end()) {
            command.state = found->second.first;
            command.detail = found->second.second;
        } else if (arrived.count(command.id)) {
            // In the table without the trigger having run it: it came with
            // the initial copy, recorded before the replication's start.
            command.state = "copied";
            command.detail = "recorded before the replication started and not applied here: "
                             "compare the schemas (ivory check)";
        } else if (row.at(7)) {
            command.state = "failed";
            command.detail = text_of(row, 7) + " (" + text_of(row, 8) + " attempt(s))";
        } else {
            command.state = "pending";
        }
        commands.push_back(std::move(command));
    }
    return commands;
}

std::vector<RecordedDdl> recorded_ddl(const std::string &subscription_name,
                                      const std::optional<std::string> &source_conninfo) {
    pg::LocalSession target(false);
    const Subscription subscription = require_subscription(target, subscription_name);
    remote::Connection source(source_conninfo.value_or(subscription.conninfo));
    return recorded_ddl(target, source, subscription);
}

namespace {

RecordedDdl find_recorded(pg::LocalSession &target, remote::Connection &source,
                          const Subscription &subscription, long long id) {
    for (RecordedDdl &command : recorded_ddl(target, source, subscription))
        if (command.id == id)
            return std::move(command);
    throw Error(sqlstate::invalid_parameter,
                "no DDL command " + std::to_string(id) + " is recorded on the source", "",
                "ivory replication ddl lists the recorded commands.");
}

std::string named(const RecordedDdl &command) {
    return "DDL command " + std::to_string(command.id) + " (" + command.command_tag + ")";
}

} // namespace

std::string skip_recorded_ddl(long long id, const std::string &subscription_name,
                              const std::optional<std::string> &source_conninfo) {
    pg::LocalSession target;
    const Subscription subscription = require_subscription(target, subscription_name);
    remote::Connection source(source_conninfo.value_or(subscription.conninfo));
    const RecordedDdl command = find_recorded(target, source, subscription, id);
    if (command.state == "skipped")
        return named(command) + ": already skipped";
    if (command.state == "applied" || command.state == "copied")
        throw Error("55000", named(command) + " is " + command.state + " already",
                    "The apply has passed it; there is nothing to skip.");
    note_state(target, subscription.oid, id, "skipped", "skipped by the DBA");
    source.query(ddl_failure_removal(id, subscription.name), "forgetting the command's failure");
    return named(command) +
           ": skipped; the apply worker goes on past it without running it at its next attempt";
}

std::string retry_recorded_ddl(long long id, const std::string &subscription_name,
                               const std::optional<std::string> &source_conninfo) {
    pg::LocalSession target;
    const Subscription subscription = require_subscription(target, subscription_name);
    remote::Connection source(source_conninfo.value_or(subscription.conninfo));
    const RecordedDdl command = find_recorded(target, source, subscription, id);
    if (command.state == "applied" || command.state == "copied")
        throw Error("55000", named(command) + " is " + command.state + " already",
                    "The apply has passed it; there is nothing to run again.");
    // A skip not yet passed is taken back.
    target.execute(
        "DELETE FROM ivory.ddl_applied WHERE subscription = " + quote_literal(subscription.oid) +
        "::pg_catalog.oid AND id = " + std::to_string(id));
    source.query(ddl_failure_removal(id, subscription.name), "forgetting the command's failure");
    if (!subscription.enabled)
        return named(command) + ": the apply worker runs it again once replication is started";
    return named(command) + ": the apply worker runs it again at its next attempt";
}

void add_recorded_ddl_entries(ReplicationStatus &status, const std::vector<RecordedDdl> &commands) {
    std::map<std::string, size_t> counts;
    for (const RecordedDdl &command : commands)
        ++counts[command.state];
    std::vector<std::string> parts;
    for (const auto &[state, count] : counts)
        parts.push_back(std::to_string(count) + " " + state);
    StatusEntry summary;
    summary.item = StatusItem::ddl;
    summary.name = "recorded";
    summary.state = ItemState::tracked;
    summary.severity = Severity::ok;
    summary.detail = commands.empty()
                         ? "the source records DDL commands; none so far"
                         : std::to_string(commands.size()) +
                               " DDL command(s) recorded on the source: " + join(parts, ", ");
    status.entries.push_back(summary);
    size_t pending_listed = 0;
    bool stopped = false;
    for (const RecordedDdl &command : commands) {
        StatusEntry entry;
        entry.item = StatusItem::ddl;
        entry.name = std::to_string(command.id) + " " + command.command_tag;
        if (command.state == "failed" && !stopped) {
            stopped = true;
            entry.state = ItemState::failed;
            entry.severity = Severity::error;
            entry.detail = "the apply stops at it: " + command.detail +
                           "; the command: " + shown(command.command) + ". " + fix_hint(command.id);
        } else if (command.state == "pending" || command.state == "failed") {
            if (pending_listed++ >= listed_pending)
                continue;
            entry.state = ItemState::pending;
            entry.severity = Severity::warning;
            entry.detail =
                "recorded on the source, not applied here yet: " + shown(command.command);
        } else if (command.state == "copied") {
            entry.state = ItemState::copied;
            entry.severity = Severity::warning;
            entry.detail = command.detail + "; the command: " + shown(command.command);
        } else {
            continue;
        }
        status.entries.push_back(entry);
    }
}

} // namespace ivory
