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
#include "cutover_steps.hpp"
#include "functions.hpp"
#include "large_objects.hpp"
#include "pg/guard.hpp"
#include "pg/replication_catalog.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"
#include "reverse_replication.hpp"
#include "subscription.hpp"
#include "verify.hpp"

namespace ivory {

namespace {

// --- sync_sequences -------------------------------------------------------------

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
        if (const DatabaseOwner database = database_owner(source); !database.owned)
            throw cannot_lock_database(read_source_role(source), database.database, database.owner);
        if (const std::vector<std::string> sessions = sessions_not_endable(source);
            !sessions.empty())
            throw cannot_end_sessions(read_source_role(source), sessions);
    }
    require_readable(source, read_sequences(source));
}

// 2. What would hold up the lock, refused unless forced; a rehearsal names
// it and goes on.
std::string check_blockers(remote::Connection &source, const SwitchoverRequest &request,
                           Json &evidence) {
    const Blockers blockers = find_blockers(source, slot_name_for(request.subscription));
    evidence = blockers_evidence(blockers);
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
    return blockers_passed(blockers);
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

// The way back switchover is to leave, if asked for.
std::optional<ReverseReplication> reverse_of(const SwitchoverRequest &request) {
    if (!request.choices.reverse_conninfo)
        return std::nullopt;
    return ReverseReplication{*request.choices.reverse_conninfo, request.publication,
                              request.subscription};
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

    // The way back is made first: its slot must come before this
    // transaction writes here.
    const std::optional<ReverseReplication> reverse = reverse_of(request);
    if (reverse) {
        steps.start();
        if (dry_run) {
            steps.record(CutoverStep::create_reverse_replication,
                         "not created (dry run): subscription " +
                             quote_identifier(reverse->subscription) +
                             " on the source, of publication " +
                             quote_identifier(reverse->publication) + " and slot " +
                             slot_name_for(reverse->subscription) + " here, would start here");
        } else {
            pg::LocalSession target(false);
            const std::string start =
                create_reverse_replication(source, request.source, target, *reverse);
            steps.record(CutoverStep::create_reverse_replication,
                         "subscription " + quote_identifier(reverse->subscription) +
                             " on the source, slot " + slot_name_for(reverse->subscription) +
                             " here from " + start,
                         {{"lsn", start}, {"slot", slot_name_for(reverse->subscription)}});
        }
    }

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

    // Only now: with the forward replication still there, what the old
    // source applies would come back here.
    if (reverse) {
        steps.start();
        start_reverse_replication(source, *reverse);
        steps.record(CutoverStep::start_reverse_replication,
                     "the source follows this database now, and stays read-only for everyone "
                     "else; ivory.switchback returns to it");
    }
}

// The lock, and what it did in words; a failure says how to undo it, since
// the lock may be in place.
std::string lock_and_say(remote::Connection &source) {
    try {
        return "default_transaction_read_only = on; " + lock_source_database(source) +
               " session(s) ended";
    } catch (const Error &error) {
        ErrorFields fields = error.fields();
        fields.hint += (fields.hint.empty() ? "" : " ") + std::string(unlock_hint);
        throw Error(fields);
    }
}

// 5 to 9 with the source locked: any error says how to unlock it.
void finish_while_locked(remote::Connection &source, const SwitchoverRequest &request,
                         const ModificationCounts &counts_before, bool online_open,
                         StepRecorder &steps) {
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
}

std::string read_only_detail(const SwitchoverRequest &request) {
    if (!request.lock_source)
        return "the source was not locked";
    if (request.choices.reverse_conninfo)
        return "the source stays read-only but for the way back; ivory.switchback returns to it";
    return "the source stays read-only; ivory.unlock_source makes it writable";
}

// phase 'finish''s modification_counts: [[table, count], ...] as prepare gave them.
ModificationCounts counts_from_json(const std::string &text) {
    const Error malformed(sqlstate::invalid_parameter,
                          "modification_counts must be a JSON array of [table, count] pairs", "",
                          "Pass the modification_counts of the 'verify data online' step's "
                          "evidence of phase 'prepare'.");
    const Json parsed = Json::parse(text, nullptr, false);
    if (!parsed.is_array())
        throw malformed;
    ModificationCounts counts;
    for (const Json &pair : parsed) {
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
            throw malformed;
        counts.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
    return counts;
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
    const SwitchoverPhase phase = choices.phase;
    if (choices.reverse_conninfo) {
        if (choices.reverse_conninfo->empty())
            throw Error(sqlstate::invalid_parameter, "reverse_conninfo must not be empty", "",
                        "Give the connection string with which the source reaches this "
                        "database, or leave it NULL for no way back.");
        if (!lock_source)
            throw Error(sqlstate::invalid_parameter, "the way back needs the source locked",
                        "Unlocked, the source keeps its writers, and the way back would bring "
                        "this database's rows to a database that changes on its own.",
                        "Switch over with lock_source => true, or without reverse_conninfo.");
    }
    if (phase != SwitchoverPhase::all && choices.dry_run)
        throw Error(sqlstate::invalid_parameter, "dry_run rehearses the whole switchover", "",
                    "Rehearse with phase => 'all'.");
    if (phase == SwitchoverPhase::lock && !lock_source)
        throw Error(sqlstate::invalid_parameter, "phase 'lock' with lock_source => false locks "
                                                 "nothing");
    if (choices.modification_counts && phase != SwitchoverPhase::finish)
        throw Error(sqlstate::invalid_parameter, "modification_counts are for phase 'finish'");
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
        const std::optional<ReverseReplication> reverse = reverse_of(request);
        if (reverse && phase != SwitchoverPhase::lock) {
            pg::LocalSession target(false);
            if (phase != SwitchoverPhase::finish)
                require_reverse_possible(source, target, *reverse);
            if (!choices.dry_run && phase != SwitchoverPhase::finish)
                publish_back(*reverse, require_subscription(target, subscription).oid);
        }
    }

    if (phase == SwitchoverPhase::lock) {
        remote::Connection source(source_conninfo);
        steps.start();
        steps.record(CutoverStep::lock_source, lock_and_say(source));
        return std::move(steps).steps();
    }
    if (phase == SwitchoverPhase::finish) {
        // The source was locked by phase 'lock' (or is not to be).
        remote::Connection source(source_conninfo);
        const ModificationCounts counts_before =
            choices.modification_counts ? counts_from_json(*choices.modification_counts)
                                        : ModificationCounts{};
        finish_while_locked(source, request, counts_before, false, steps);
        steps.summary(CutoverStep::source_read_only, started, read_only_detail(request));
        steps.summary(CutoverStep::total, started, "");
        return std::move(steps).steps();
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
    Json online_evidence = tables_evidence(online);
    // What phase 'finish' compares against.
    if (phase == SwitchoverPhase::prepare)
        online_evidence["modification_counts"] = counts_before;
    steps.record(CutoverStep::verify_online, verdicts_summary(online), online_evidence);

    if (phase == SwitchoverPhase::prepare) {
        steps.summary(CutoverStep::total, started, "prepared: nothing locked yet");
        return std::move(steps).steps();
    }

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
    steps.record(CutoverStep::lock_source,
                 lock_source ? lock_and_say(source) : "skipped (lock_source => false)");
    finish_while_locked(source, request, counts_before, online_open, steps);
    steps.summary(CutoverStep::source_read_only, locked_at, read_only_detail(request));
    steps.summary(CutoverStep::total, started, "");
    return std::move(steps).steps();
}

} // namespace ivory
