// The cut-over: ivory.sync_sequences, ivory.switchover and ivory.unlock_source
// (ivory.verify_data is verify.cpp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog_queries.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/results.hpp"
#include "core/source_role.hpp"
#include "core/status.hpp"
#include "core/strings.hpp"
#include "functions.hpp"
#include "large_objects.hpp"
#include "pg/guard.hpp"
#include "pg/replication_catalog.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"
#include "verify.hpp"

namespace ivory {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

// How often switchover looks again while it waits.
constexpr long poll_interval_ms = 250;
// The same inside the read-only window, where every millisecond counts.
constexpr long locked_poll_interval_ms = 10;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string seconds_text(double seconds) {
    char text[32];
    snprintf(text, sizeof text, "%.3f", seconds); // pg_snprintf here: the server headers are in
    return text;
}

// --- sync_sequences -------------------------------------------------------------

struct SourceSequence {
    std::string schema;
    std::string name;
    std::optional<long long> last_value; // nullopt: never used
    long long start_value = 1;
    long long increment = 1;
    bool readable = true; // false: the source role may not read last_value

    // The value nextval returned last, or would have returned before the first.
    long long current() const { return last_value.value_or(start_value - increment); }
};

std::map<std::string, SourceSequence> read_sequences(remote::Connection &source) {
    std::map<std::string, SourceSequence> sequences;
    for (const Row &row : source.query(
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

// A sequence the source role may not read shows no value, which would pass
// for "never used": an error instead, before anything is set.
void require_readable(remote::Connection &source,
                      const std::map<std::string, SourceSequence> &sequences) {
    std::vector<std::string> unreadable;
    for (const auto &[name, sequence] : sequences)
        if (!sequence.readable)
            unreadable.push_back(name);
    if (!unreadable.empty())
        throw cannot_read_sequences(read_source_role(source), unreadable);
}

// "SEQ:N" with SEQ as schema.name or name (in public), split at the last colon.
std::map<std::pair<std::string, std::string>, long long>
parse_sequence_offsets(const std::vector<std::string> &offsets) {
    std::map<std::pair<std::string, std::string>, long long> parsed;
    for (const std::string &entry : offsets) {
        const size_t colon = entry.rfind(':');
        long long offset = 0;
        try {
            if (colon == std::string::npos)
                throw std::invalid_argument("no colon");
            size_t used = 0;
            offset = std::stoll(entry.substr(colon + 1), &used);
            if (used != entry.size() - colon - 1)
                throw std::invalid_argument("trailing characters");
        } catch (const std::exception &) {
            throw Error(sqlstate::invalid_parameter, "invalid sequence offset \"" + entry + "\"",
                        "", "Give each as SEQUENCE:OFFSET, e.g. public.orders_id_seq:1000.");
        }
        const std::string name = entry.substr(0, colon);
        const size_t dot = name.find('.');
        if (dot == std::string::npos)
            parsed[{"public", name}] = offset;
        else
            parsed[{name.substr(0, dot), name.substr(dot + 1)}] = offset;
    }
    return parsed;
}

// --- switchover -------------------------------------------------------------------

const char *const unlock_hint =
    "Run ivory.unlock_source(source) (ivory unlock-source) to make the source writable again.";

struct SwitchoverRequest {
    std::string source;
    long long max_lag;
    double timeout_seconds;
    bool lock_source;
    std::string publication;
    std::string subscription;
    SwitchoverChoices choices;
    Clock::time_point deadline;
};

// A step's evidence as the row's JSON text; "" (NULL) for none.
std::string evidence_text(const Json &evidence) {
    return evidence.is_null() ? "" : evidence.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Each table's verdict, with its hashes where it was hashed: what a DBA signs
// off on.
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

class StepRecorder {
  public:
    void start() { step_start_ = Clock::now(); }
    void record(CutoverStep step, const std::string &detail, const Json &evidence = Json()) {
        steps_.push_back({std::string(cutover_step_word(step)), seconds_since(step_start_), detail,
                          evidence_text(evidence)});
    }
    void summary(CutoverStep step, Clock::time_point since, const std::string &detail) {
        steps_.push_back({std::string(cutover_step_word(step)), seconds_since(since), detail});
    }
    // A summary row of a given length: the forecast of a rehearsal.
    void summary(CutoverStep step, double seconds, const std::string &detail,
                 const Json &evidence) {
        steps_.push_back(
            {std::string(cutover_step_word(step)), seconds, detail, evidence_text(evidence)});
    }
    // The seconds of the steps recorded since step number `first`.
    double seconds_from(size_t first) const {
        double sum = 0;
        for (size_t i = first; i < steps_.size(); ++i)
            sum += steps_[i].seconds.value_or(0);
        return sum;
    }
    size_t size() const { return steps_.size(); }
    std::vector<SwitchoverStep> steps() && { return std::move(steps_); }

  private:
    Clock::time_point step_start_ = Clock::now();
    std::vector<SwitchoverStep> steps_;
};

// 1. Every table ready and the lag small enough, read from the status itself.
// A rehearsal reads it once and returns what a switchover would wait for.
std::vector<std::string> wait_for_sync(const SwitchoverRequest &request) {
    for (;;) {
        const std::vector<std::string> waiting =
            replication_status(request.subscription, request.source).blocking(request.max_lag);
        if (waiting.empty() || request.choices.dry_run)
            return waiting;
        if (Clock::now() >= request.deadline)
            throw Error(sqlstate::query_canceled,
                        "switchover timed out after " + seconds_text(request.timeout_seconds) +
                            " s waiting for the initial copy and the lag",
                        "Still waiting for: " + join(waiting, "; "),
                        "The source was not locked; nothing changed.");
        pg::sleep_interruptibly(poll_interval_ms);
    }
}

// The sessions the lock ends: every other client session of the source
// database. A role that is not a superuser (or pg_read_all_stats) does not
// see the backend type of other roles' sessions: those of a role that are no
// WAL sender count as client sessions.
const char *const other_sessions =
    "a.datname = pg_catalog.current_database() AND a.pid <> pg_catalog.pg_backend_pid() AND "
    "(a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.usesysid IS NOT NULL "
    "AND a.pid NOT IN (SELECT w.pid FROM pg_catalog.pg_stat_get_wal_senders() w)))";

// Whether this session may end session `a`, as pg_terminate_backend decides:
// its role's privileges, or pg_signal_backend for any but a superuser's.
const char *const may_end_session =
    "(pg_catalog.pg_has_role(a.usesysid, 'USAGE') OR "
    "(pg_catalog.pg_has_role('pg_signal_backend', 'USAGE') AND NOT EXISTS "
    "(SELECT FROM pg_catalog.pg_roles r WHERE r.oid = a.usesysid AND r.rolsuper)))";

// The other sessions this one may not end, as "role (pid N)".
std::vector<std::string> sessions_not_endable(remote::Connection &source) {
    std::vector<std::string> sessions;
    for (const Row &row :
         source.query(std::string("SELECT pg_catalog.format('%I (pid %s)', a.usename, a.pid) FROM "
                                  "pg_catalog.pg_stat_activity a WHERE ") +
                          other_sessions + " AND NOT " + may_end_session + " ORDER BY a.pid",
                      "listing the source's sessions"))
        sessions.push_back(text_of(row, 0));
    return sessions;
}

// Before switchover waits or locks anything: what the source role needs for
// it, or an error that says how to get it. The lock needs the database's
// owner and the right to end every other session; setting the sequences
// needs their values.
void require_switchover_privileges(remote::Connection &source, bool lock_source) {
    if (lock_source) {
        const Row database = first_row(
            source.query("SELECT pg_catalog.pg_has_role(d.datdba, 'USAGE')::pg_catalog.text, "
                         "d.datname::pg_catalog.text, pg_catalog.pg_get_userbyid(d.datdba)::"
                         "pg_catalog.text FROM pg_catalog.pg_database d WHERE d.datname = "
                         "pg_catalog.current_database()",
                         "reading the source database's owner"),
            "reading the source database's owner");
        if (text_of(database, 0) != "true")
            throw cannot_lock_database(read_source_role(source), text_of(database, 1),
                                       text_of(database, 2));
        if (const std::vector<std::string> sessions = sessions_not_endable(source);
            !sessions.empty())
            throw cannot_end_sessions(read_source_role(source), sessions);
    }
    require_readable(source, read_sequences(source));
}

// What would hold up the lock or write through it, found before it. Every
// other session ends at the lock, but a transaction open or running long is
// work a DBA may not want cut, a prepared transaction outlives the lock, and a
// role whose own settings turn default_transaction_read_only off writes
// anyway. Superuser sessions and other tools' slots are worth a word only.
struct Blockers {
    std::vector<std::string> blocking;
    std::vector<std::string> worth_a_word;
};

Blockers find_blockers(remote::Connection &source, const std::string &slot) {
    Blockers found;
    for (const Row &row : source.query(
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
    for (const Row &row : source.query(
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

std::string listed(const std::vector<std::string> &items) {
    constexpr size_t shown = 5;
    std::vector<std::string> head(items.begin(), items.begin() + std::min(shown, items.size()));
    std::string text = join(head, "; ");
    if (items.size() > shown)
        text += " and " + std::to_string(items.size() - shown) + " more";
    return text;
}

// 2. What would hold up the lock, refused unless forced; a rehearsal names
// it and goes on.
std::string check_blockers(remote::Connection &source, const SwitchoverRequest &request,
                           Json &evidence) {
    const Blockers blockers = find_blockers(source, slot_name_for(request.subscription));
    evidence = {{"blocking", blockers.blocking}, {"worth_a_word", blockers.worth_a_word}};
    if (!blockers.blocking.empty() && !request.choices.force) {
        if (request.choices.dry_run)
            return "would stop before the lock: " + listed(blockers.blocking) +
                   (blockers.worth_a_word.empty() ? ""
                                                  : "; also: " + listed(blockers.worth_a_word));
        throw Error("55006", "switchover stopped before the lock: " + listed(blockers.blocking),
                    blockers.worth_a_word.empty() ? "" : "Also: " + listed(blockers.worth_a_word),
                    "The source was not locked; nothing changed. End them (or commit or roll "
                    "back the prepared transactions) and run switchover again, or lock anyway "
                    "with --force (force => true): the lock ends the sessions.");
    }
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

// 3. A full verify while the source is still writable: a real difference
// stops here, before anything is locked (a rehearsal reports it).
std::vector<TableVerdict> verify_online(const SwitchoverRequest &request) {
    std::vector<TableVerdict> verdicts = verify_tables(
        {request.source, request.publication, request.subscription, 100000, request.choices.jobs});
    if (const std::vector<std::string> differing = failing_tables(verdicts, false);
        !differing.empty() && !request.choices.dry_run)
        throw Error(sqlstate::internal, "switchover stopped: the data differs",
                    join(differing, "; "), "The source was not locked; nothing changed.");
    return verdicts;
}

std::string verdicts_summary(const std::vector<TableVerdict> &verdicts) {
    if (const std::vector<std::string> differing = failing_tables(verdicts, false);
        !differing.empty())
        return "the data differs, a switchover would stop here: " + listed(differing);
    size_t open = 0;
    for (const TableVerdict &verdict : verdicts)
        open += verdict.matches ? 0 : 1;
    return std::to_string(verdicts.size() - open) + " table(s) match" +
           (open ? ", " + std::to_string(open) + " still changing (checked again while locked)"
                 : "");
}

// 4. New transactions on the source are read-only; its other sessions end.
// Returns how many sessions ended.
std::string lock_source_database(remote::Connection &source) {
    source.query("DO $ivory$ BEGIN EXECUTE pg_catalog.format('ALTER DATABASE %I SET "
                 "default_transaction_read_only = on', pg_catalog.current_database()); "
                 "END $ivory$",
                 "making the source read-only");
    const Rows ended =
        source.query(std::string("SELECT pg_catalog.count(pg_catalog.pg_terminate_backend(a.pid))::"
                                 "pg_catalog.text FROM pg_catalog.pg_stat_activity a WHERE ") +
                         other_sessions + " AND " + may_end_session,
                     "ending the source's other sessions");
    // A session of a role this one may not end that came after the check
    // before the lock.
    if (const std::vector<std::string> sessions = sessions_not_endable(source); !sessions.empty())
        throw cannot_end_sessions(read_source_role(source), sessions);
    return text_of(first_row(ended, "ending the source's other sessions"), 0);
}

// What the lock would end, of a rehearsal: the sessions counted, none ended.
std::string sessions_the_lock_ends(remote::Connection &source) {
    return text_of(
        first_row(source.query(std::string("SELECT pg_catalog.count(*)::pg_catalog.text FROM "
                                           "pg_catalog.pg_stat_activity a WHERE ") +
                                   other_sessions + " AND " + may_end_session,
                               "counting the source's other sessions"),
                  "counting the source's other sessions"),
        0);
}

// 5. The target confirms the source's final position; returns it. The insert
// position, flushed: a last commit not yet written out (synchronous_commit =
// off) may lie past the write position.
// A rehearsal waits the same way for the position of now: the lag drained.
std::string wait_for_final_position(remote::Connection &source, const SwitchoverRequest &request) {
    const std::string final_position = source_position(source);
    flush_wal(source);
    const std::string slot = slot_name_for(request.subscription);
    for (;;) {
        if (slot_confirmed(source, slot, final_position))
            return final_position;
        if (Clock::now() >= request.deadline)
            throw Error(sqlstate::query_canceled,
                        "switchover timed out after " + seconds_text(request.timeout_seconds) +
                            " s waiting for the target to confirm the source's " +
                            (request.choices.dry_run ? "" : "final ") + "WAL position " +
                            final_position,
                        "",
                        request.choices.dry_run ? "A dry run locks nothing: the source was not "
                                                  "locked and nothing changed."
                                                : unlock_hint);
        pg::sleep_interruptibly(locked_poll_interval_ms);
    }
}

// 5 to 8, while the source is read-only: any error of them keeps the hint
// that says how to make the source writable again.
void switch_while_locked(remote::Connection &source, const SwitchoverRequest &request,
                         const ModificationCounts &counts_before, bool online_open,
                         StepRecorder &steps) {
    const bool dry_run = request.choices.dry_run;
    steps.start();
    const std::string final_position = wait_for_final_position(source, request);
    steps.record(CutoverStep::wait_for_final_position,
                 dry_run ? "the target confirmed the position of now, " + final_position +
                               ", in this time: the lag a lock would wait for"
                         : "confirmed up to " + final_position,
                 {{"lsn", final_position}});

    steps.start();
    const auto sequences = sync_sequences(request.source, 0, {}, 0, true, dry_run);
    Json sequence_values = Json::array();
    for (const SequenceSetting &sequence : sequences)
        sequence_values.push_back(
            {{"sequence", sequence.sequence_name},
             {"value", sequence.target_value ? Json(*sequence.target_value) : Json()}});
    steps.record(CutoverStep::sync_sequences,
                 std::to_string(sequences.size()) + " sequence(s) " +
                     (dry_run ? "to set, read in this time" : "set"),
                 {{"sequences", std::move(sequence_values)}});

    steps.start();
    pg::LocalSession target(false);
    const std::vector<LargeObjectAction> objects = copy_large_objects(source, target, dry_run);
    steps.record(CutoverStep::copy_large_objects,
                 large_objects_summary(objects, dry_run) +
                     (dry_run ? " (compared in this time; copying adds to it)" : ""));

    // Inside the window only what is cheap: the row counts of the tables
    // written since the online verify, unless a full verify is asked for or
    // the online one left a table open.
    steps.start();
    const bool verify_fully = request.choices.verify_in_window || online_open;
    const std::vector<TableVerdict> verdicts =
        verify_fully ? verify_tables({request.source, request.publication, request.subscription,
                                      100000, request.choices.jobs})
                     : compare_row_counts(source, request.publication, counts_before);
    const std::vector<std::string> differing = failing_tables(verdicts, true);
    if (!differing.empty() && !dry_run)
        throw Error(sqlstate::internal, "switchover stopped: the data differs",
                    join(differing, "; "), unlock_hint);
    steps.record(verify_fully ? CutoverStep::verify_data : CutoverStep::compare_row_counts,
                 !differing.empty() ? "differ now, with the source writable and rows in flight: " +
                                          listed(differing)
                 : verify_fully ? std::to_string(verdicts.size()) + " table(s) match"
                                : std::to_string(verdicts.size()) + " table(s) with the same count",
                 tables_evidence(verdicts));

    steps.start();
    if (dry_run) {
        steps.record(CutoverStep::drop_replication,
                     "not dropped (dry run): the subscription, publication, slot and role stay");
        return;
    }
    const auto dropped =
        replication_drop(request.source, request.publication, request.subscription, true);
    steps.record(CutoverStep::drop_replication,
                 std::to_string(dropped.size()) + " object(s) dropped or absent");
}

} // namespace

std::vector<SequenceSetting> sync_sequences(const std::string &source_conninfo,
                                            long long fixed_offset,
                                            const std::vector<std::string> &sequence_offsets,
                                            double sample_pause, bool equal, bool dry_run) {
    const auto offsets = parse_sequence_offsets(sequence_offsets);
    pg::LocalSession target(false);
    remote::Connection source(source_conninfo);

    // Read without consuming: pg_sequences.last_value, twice around the
    // pause to see how fast each sequence moves.
    const auto first = read_sequences(source);
    require_readable(source, first);
    if (!equal && sample_pause > 0)
        pg::sleep_interruptibly(static_cast<long>(sample_pause * 1000));
    const auto second = equal || sample_pause <= 0 ? first : read_sequences(source);

    // Every sequence must exist here before any is set.
    std::map<std::string, std::string> target_oids;
    std::vector<std::string> missing;
    for (const auto &[name, sequence] : second) {
        const Rows found = target.query(
            "SELECT c.oid::pg_catalog.text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace "
            "n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND "
            "c.relkind = 'S'",
            {Value(sequence.schema), Value(sequence.name)}, "finding a sequence");
        if (found.empty())
            missing.push_back(name);
        else
            target_oids[name] = text_of(first_row(found, "finding a sequence"), 0);
    }
    if (!missing.empty())
        throw Error("42P01", "sequences missing on the target: " + join(missing, ", "), "",
                    "Copy the schema first (ivory.copy_schema, ivory copyschema).");

    std::vector<SequenceSetting> settings;
    for (const auto &[name, sequence] : second) {
        const long long direction = sequence.increment < 0 ? -1 : 1;
        long long value = sequence.current();
        if (!equal) {
            const auto before = first.find(name);
            const long long moved = before == first.end() ? 0 : value - before->second.current();
            const auto override_offset = offsets.find({sequence.schema, sequence.name});
            const long long offset =
                override_offset == offsets.end() ? fixed_offset : override_offset->second;
            value += moved + direction * offset;
        }
        // An unused source sequence whose target value would come before its
        // start stays unused here: the next value is its start.
        bool is_called = true;
        if (!sequence.last_value && (equal || direction * (value - sequence.start_value) < 0)) {
            value = sequence.start_value;
            is_called = false;
        }
        if (!dry_run)
            target.query("SELECT pg_catalog.setval($1::oid::pg_catalog.regclass, $2::bigint, "
                         "$3::boolean)::pg_catalog.text",
                         {Value(target_oids[name]), Value(std::to_string(value)),
                          Value(is_called ? "true" : "false")},
                         "setting a sequence");
        settings.push_back({name, sequence.last_value, value, dry_run ? "would set" : "set"});
    }
    return settings;
}

std::string unlock_source_message(const std::string &source_conninfo) {
    remote::Connection source(source_conninfo);
    // The database's owner resets the setting whatever it is; another role
    // finds out whether there is one to reset.
    const Row database = first_row(
        source.query(
            "SELECT pg_catalog.pg_has_role(d.datdba, 'USAGE')::pg_catalog.text, "
            "d.datname::pg_catalog.text, pg_catalog.pg_get_userbyid(d.datdba)::pg_catalog.text, "
            "EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s, "
            "pg_catalog.unnest(s.setconfig) AS c(setting) WHERE s.setdatabase = d.oid AND "
            "s.setrole = 0 AND c.setting LIKE 'default\\_transaction\\_read\\_only=%')::"
            "pg_catalog.text FROM pg_catalog.pg_database d WHERE d.datname = "
            "pg_catalog.current_database()",
            "reading the source database's settings"),
        "reading the source database's settings");
    if (text_of(database, 0) != "true") {
        if (text_of(database, 3) != "true")
            return "source database writable already: it has no default_transaction_read_only "
                   "to reset";
        throw cannot_unlock_database(read_source_role(source), text_of(database, 1),
                                     text_of(database, 2));
    }
    source.query("DO $ivory$ BEGIN EXECUTE pg_catalog.format('ALTER DATABASE %I RESET "
                 "default_transaction_read_only', pg_catalog.current_database()); END $ivory$",
                 "making the source writable");
    return "source database writable again";
}

std::vector<SwitchoverStep> switchover(const std::string &source_conninfo, long long max_lag,
                                       double timeout_seconds, bool lock_source,
                                       const std::string &publication,
                                       const std::string &subscription,
                                       const SwitchoverChoices &choices) {
    const Clock::time_point started = Clock::now();
    const SwitchoverRequest request{
        source_conninfo,
        max_lag,
        timeout_seconds,
        lock_source,
        publication,
        subscription,
        choices,
        started + std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000))};
    StepRecorder steps;
    {
        remote::Connection source(source_conninfo);
        require_switchover_privileges(source, lock_source);
    }

    const bool dry_run = choices.dry_run;
    steps.start();
    const std::vector<std::string> waiting = wait_for_sync(request);
    steps.record(CutoverStep::wait_for_sync,
                 waiting.empty()
                     ? "every table ready, lag at most " + std::to_string(max_lag) + " bytes"
                     : "a switchover would wait for: " + listed(waiting),
                 {{"waiting_for", waiting}});

    remote::Connection source(source_conninfo);
    steps.start();
    Json blockers;
    const std::string blockers_found = check_blockers(source, request, blockers);
    steps.record(CutoverStep::check_blockers, blockers_found, blockers);

    steps.start();
    const ModificationCounts counts_before = modification_counts(source, publication);
    const std::vector<TableVerdict> online = verify_online(request);
    const bool online_open = !failing_tables(online, true).empty();
    steps.record(CutoverStep::verify_online, verdicts_summary(online), tables_evidence(online));

    if (dry_run) {
        // The same steps but the lock and the drop, the source left writable:
        // their times added up are the window a switchover would have now.
        const size_t window_start = steps.size();
        steps.start();
        steps.record(CutoverStep::lock_source,
                     lock_source ? "not locked (dry run): the lock would end " +
                                       sessions_the_lock_ends(source) + " session(s)"
                                 : "skipped (lock_source => false)");
        switch_while_locked(source, request, counts_before, online_open, steps);
        const double forecast = steps.seconds_from(window_start);
        steps.summary(CutoverStep::source_read_only, forecast,
                      "a forecast of the dry run, the steps from 'lock source' on added up; "
                      "nothing was locked or changed, the replication stays",
                      {{"forecast_seconds", forecast}});
        steps.summary(CutoverStep::total, started, "dry run");
        return std::move(steps).steps();
    }

    steps.start();
    const Clock::time_point locked_at = Clock::now();
    if (lock_source) {
        std::string ended;
        try {
            ended = lock_source_database(source);
        } catch (const Error &error) {
            // The lock may be in place: say how to undo it.
            ErrorFields fields = error.fields();
            fields.hint += (fields.hint.empty() ? "" : " ") + std::string(unlock_hint);
            throw Error(fields);
        }
        steps.record(CutoverStep::lock_source,
                     "default_transaction_read_only = on; " + ended + " session(s) ended");
    } else
        steps.record(CutoverStep::lock_source, "skipped (lock_source => false)");

    try {
        switch_while_locked(source, request, counts_before, online_open, steps);
    } catch (const Error &error) {
        ErrorFields fields = error.fields();
        if (fields.hint.empty())
            fields.hint = unlock_hint;
        else if (fields.hint.find(unlock_hint) == std::string::npos)
            fields.hint += " " + std::string(unlock_hint);
        fields.context = "during switchover";
        throw Error(fields);
    } catch (pg::PgError &error) {
        error.add_hint_if_missing(unlock_hint);
        error.add_context("during switchover");
        throw;
    }

    steps.summary(CutoverStep::source_read_only, locked_at,
                  lock_source ? "the source stays read-only; ivory.unlock_source makes it writable"
                              : "the source was not locked");
    steps.summary(CutoverStep::total, started, "");
    return std::move(steps).steps();
}

} // namespace ivory
