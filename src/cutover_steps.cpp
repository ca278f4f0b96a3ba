#include "cutover_steps.hpp"

#include <algorithm>
#include <cstdio>

#include "core/quote.hpp"
#include "core/strings.hpp"

namespace ivory {

namespace {

// A step's evidence as the row's JSON text; "" (NULL) for none.
std::string evidence_text(const Json &evidence) {
    return evidence.is_null() ? "" : evidence.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string seconds_text(double seconds) {
    char text[32];
    snprintf(text, sizeof text, "%.3f", seconds); // pg_snprintf here: the server headers are in
    return text;
}

Json tables_evidence(const std::vector<TableVerdict> &verdicts) {
    Json tables = Json::array();
    for (const TableVerdict &verdict : verdicts) {
        Json table = {{"table", verdict.table_name},
                      {"source_rows", verdict.source_rows ? Json(*verdict.source_rows) : Json()},
                      {"target_rows", verdict.target_rows ? Json(*verdict.target_rows) : Json()},
                      {"matches", verdict.matches ? Json(*verdict.matches) : Json()},
                      {"detail", verdict.detail}};
        if (verdict.hashes) {
            table["source_hash"] = verdict.hashes->source;
            table["target_hash"] = verdict.hashes->target;
            table["row_hash"] = verdict.hashes->row_hash;
        }
        tables.push_back(std::move(table));
    }
    return {{"tables", std::move(tables)}};
}

void StepRecorder::record(CutoverStep step, const std::string &detail, const Json &evidence) {
    steps_.push_back({std::string(cutover_step_word(step)), seconds_since(step_start_), detail,
                      evidence_text(evidence)});
}

void StepRecorder::summary(CutoverStep step, Clock::time_point since, const std::string &detail) {
    steps_.push_back({std::string(cutover_step_word(step)), seconds_since(since), detail});
}

void StepRecorder::summary(CutoverStep step, double seconds, const std::string &detail,
                           const Json &evidence) {
    steps_.push_back(
        {std::string(cutover_step_word(step)), seconds, detail, evidence_text(evidence)});
}

double StepRecorder::seconds_from(size_t first) const {
    double sum = 0;
    for (size_t i = first; i < steps_.size(); ++i)
        sum += steps_[i].seconds.value_or(0);
    return sum;
}

const char *const other_sessions =
    "a.datname = pg_catalog.current_database() AND a.pid <> pg_catalog.pg_backend_pid() AND "
    "(a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.usesysid IS NOT NULL "
    "AND a.pid NOT IN (SELECT w.pid FROM pg_catalog.pg_stat_get_wal_senders() w)))";

const char *const may_end_session =
    "(pg_catalog.pg_has_role(a.usesysid, 'USAGE') OR "
    "(pg_catalog.pg_has_role('pg_signal_backend', 'USAGE') AND NOT EXISTS "
    "(SELECT FROM pg_catalog.pg_roles r WHERE r.oid = a.usesysid AND r.rolsuper)))";

Blockers find_blockers(QueryRunner &side, const std::string &slot) {
    Blockers found;
    for (const Row &row : side.query(
             std::string("SELECT pg_catalog.format('%I (pid %s): idle in transaction for %s s', "
                         "a.usename, a.pid, pg_catalog.round(EXTRACT(epoch FROM "
                         "pg_catalog.now() - a.state_change))) FROM pg_catalog.pg_stat_activity a "
                         "WHERE ") +
                 other_sessions +
                 " AND a.state IN ('idle in transaction', 'idle in transaction (aborted)') AND "
                 "a.state_change < pg_catalog.now() - interval '1 second' "
                 "UNION ALL SELECT pg_catalog.format('%I (pid %s): a transaction running for %s "
                 "s', a.usename, a.pid, pg_catalog.round(EXTRACT(epoch FROM pg_catalog.now() - "
                 "a.xact_start))) FROM pg_catalog.pg_stat_activity a WHERE " +
                 other_sessions +
                 " AND a.state = 'active' AND a.xact_start < pg_catalog.now() - interval '10 "
                 "seconds' "
                 "UNION ALL SELECT pg_catalog.format('prepared transaction %L of %I', p.gid, "
                 "p.owner) FROM pg_catalog.pg_prepared_xacts p WHERE p.database = "
                 "pg_catalog.current_database() "
                 "UNION ALL SELECT DISTINCT pg_catalog.format('role %I: its own settings turn "
                 "default_transaction_read_only off', r.rolname) FROM "
                 "pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = "
                 "s.setrole, pg_catalog.unnest(s.setconfig) AS c(setting) WHERE s.setdatabase IN "
                 "(0, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = "
                 "pg_catalog.current_database())) AND pg_catalog.lower(c.setting) ~ "
                 "'^default_transaction_read_only=(off|of|false|fals|fal|fa|f|no|n|0)$'",
             "looking for what would hold up the lock"))
        found.blocking.push_back(text_of(row, 0));
    for (const Row &row : side.query(
             std::string("SELECT pg_catalog.format('%I (pid %s): a superuser session, which may "
                         "turn default_transaction_read_only off', a.usename, a.pid) FROM "
                         "pg_catalog.pg_stat_activity a JOIN pg_catalog.pg_roles r ON r.oid = "
                         "a.usesysid WHERE r.rolsuper AND ") +
                 other_sessions +
                 " UNION ALL SELECT pg_catalog.format('logical slot %I of another tool (%s): it "
                 "does not follow the switch', s.slot_name, s.plugin) FROM "
                 "pg_catalog.pg_replication_slots s WHERE s.slot_type = 'logical' AND s.database "
                 "= pg_catalog.current_database() AND s.slot_name <> " +
                 quote_literal(slot) + " AND s.slot_name NOT LIKE 'pg\\_%\\_sync\\_%'",
             "looking for sessions and slots worth a word"))
        found.worth_a_word.push_back(text_of(row, 0));
    return found;
}

Json blockers_evidence(const Blockers &blockers) {
    return {{"blocking", blockers.blocking}, {"worth_a_word", blockers.worth_a_word}};
}

std::string blockers_passed(const Blockers &blockers) {
    std::vector<std::string> all = blockers.blocking;
    all.insert(all.end(), blockers.worth_a_word.begin(), blockers.worth_a_word.end());
    if (all.empty())
        return "nothing holds up the lock";
    return (blockers.blocking.empty() ? "" : "forced past: ") + listed(all);
}

std::vector<std::string> failing_tables(const std::vector<TableVerdict> &verdicts,
                                        bool open_ones_too) {
    std::vector<std::string> failing;
    for (const TableVerdict &verdict : verdicts)
        if (verdict.matches == false || (open_ones_too && !verdict.matches))
            failing.push_back(verdict.table_name + " (" + verdict.detail + ")");
    return failing;
}

DatabaseOwner database_owner(QueryRunner &side) {
    const Row database =
        first_row(side.query("SELECT pg_catalog.pg_has_role(d.datdba, 'USAGE')::pg_catalog.text, "
                             "d.datname::pg_catalog.text, pg_catalog.pg_get_userbyid(d.datdba)::"
                             "pg_catalog.text FROM pg_catalog.pg_database d WHERE d.datname = "
                             "pg_catalog.current_database()",
                             "reading the database's owner"),
                  "reading the database's owner");
    return {text_of(database, 0) == "true", text_of(database, 1), text_of(database, 2)};
}

std::string listed(const std::vector<std::string> &items) {
    constexpr size_t shown = 5;
    std::vector<std::string> head(items.begin(), items.begin() + std::min(shown, items.size()));
    std::string text = join(head, "; ");
    if (items.size() > shown)
        text += " and " + std::to_string(items.size() - shown) + " more";
    return text;
}

std::map<std::string, SourceSequence> read_sequences(QueryRunner &side) {
    std::map<std::string, SourceSequence> sequences;
    for (const Row &row : side.query(
             "SELECT schemaname::pg_catalog.text, sequencename::pg_catalog.text, "
             "last_value::pg_catalog.text, start_value::pg_catalog.text, "
             "increment_by::pg_catalog.text, "
             // pg_sequences' own condition for showing last_value.
             "pg_catalog.has_sequence_privilege(pg_catalog.format('%I.%I', schemaname, "
             "sequencename), 'SELECT,USAGE')::pg_catalog.text FROM pg_catalog.pg_sequences "
             "WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'ivory') ORDER BY 1, 2",
             "reading the sequences")) {
        SourceSequence sequence{text_of(row, 0),      text_of(row, 1),
                                std::nullopt,         number_of(row.at(3)),
                                number_of(row.at(4)), text_of(row, 5) == "true"};
        if (row.at(2))
            sequence.last_value = number_of(row.at(2));
        sequences.emplace(quote_identifier(sequence.schema) + "." + quote_identifier(sequence.name),
                          sequence);
    }
    return sequences;
}

} // namespace ivory
