// ivory.switchback and ivory.reverse_replication_drop: from this database, the
// new primary since a switchover that left the way back, to the old source
// again. The switchover's steps the other way round: wait until the old source
// follows closely, name what would hold up the lock, lock this database, wait
// until the old source has confirmed its final position, set the old source's
// sequences, compare, drop the way back and make the old source writable.
// This database stays read-only.
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/source_role.hpp"
#include "core/strings.hpp"
#include "cutover_steps.hpp"
#include "database_lock.hpp"
#include "functions.hpp"
#include "large_objects.hpp"
#include "pg/guard.hpp"
#include "pg/replication_catalog.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"
#include "reverse_replication.hpp"
#include "verify.hpp"

namespace ivory {

namespace {

struct SwitchbackRequest {
    std::string source;
    long long max_lag;
    double timeout_seconds;
    std::string publication;
    std::string subscription;
    SwitchbackChoices choices;
    Clock::time_point deadline;
    std::string slot;     // the way back's, here
    std::string database; // this one's name
};

// What a failure inside the window says: how to make this database writable.
std::string unlock_target_hint(const SwitchbackRequest &request) {
    return "This database stays read-only and the way back stays as it was: ALTER DATABASE " +
           quote_identifier(request.database) +
           " RESET default_transaction_read_only makes it writable again.";
}

std::string slot_condition(const SwitchbackRequest &request) {
    return "slot_name = " + quote_literal(request.slot) +
           " AND database = pg_catalog.current_database()";
}

// Before anything waits or locks: the old source's database must be this
// role's to unlock, and every other session here this role's to end.
void require_switchback_privileges(remote::Connection &source, pg::LocalSession &target) {
    if (const DatabaseOwner database = database_owner(source); !database.owned)
        throw cannot_unlock_database(read_source_role(source), database.database, database.owner);
    require_may_lock_this_database(target);
}

// 1. The old source applying the way back, its lag here at most max_lag;
// what is still waited for, empty when nothing.
std::vector<std::string> reverse_waiting(remote::Connection &source, pg::LocalSession &target,
                                         const SwitchbackRequest &request) {
    const std::optional<ReverseSubscription> reverse =
        find_reverse_subscription(source, request.subscription);
    if (!reverse)
        throw Error("42704",
                    "there is no way back: subscription " + quote_identifier(request.subscription) +
                        " does not exist on the source",
                    "",
                    "A switchover with reverse_conninfo (ivory switchover --reverse) leaves one.");
    if (!reverse->enabled)
        throw Error("55000",
                    "the way back is stopped: subscription " +
                        quote_identifier(request.subscription) + " is disabled on the source",
                    "", "Enable it on the source (ALTER SUBSCRIPTION ... ENABLE) and wait.");
    const Rows slot = target.query("SELECT active::pg_catalog.text, "
                                   "pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), "
                                   "confirmed_flush_lsn)::bigint::pg_catalog.text FROM "
                                   "pg_catalog.pg_replication_slots WHERE " +
                                       slot_condition(request),
                                   "reading the way back's slot");
    if (slot.empty())
        throw Error("42704", "the way back's replication slot " + request.slot + " is missing here",
                    "", "Give the way back up (ivory replication drop --reverse).");
    std::vector<std::string> waiting;
    if (!reverse->worker_pid || text_of(slot.front(), 0) != "true")
        waiting.push_back("the source's apply worker to connect");
    else if (const long long lag = number_of(slot.front().at(1)); lag > request.max_lag)
        waiting.push_back("a lag of " + std::to_string(lag) + " bytes to shrink to " +
                          std::to_string(request.max_lag));
    return waiting;
}

void wait_for_reverse(remote::Connection &source, pg::LocalSession &target,
                      const SwitchbackRequest &request) {
    for (;;) {
        const std::vector<std::string> waiting = reverse_waiting(source, target, request);
        if (waiting.empty())
            return;
        if (Clock::now() >= request.deadline)
            throw Error(sqlstate::query_canceled,
                        "switchback timed out after " + seconds_text(request.timeout_seconds) +
                            " s waiting for the way back",
                        "Still waiting for: " + join(waiting, "; "),
                        "Nothing was locked; nothing changed.");
        pg::sleep_interruptibly(poll_interval_ms);
    }
}

// 2. What would hold up the lock here, refused unless forced.
std::string check_target_blockers(pg::LocalSession &target, const SwitchbackRequest &request,
                                  Json &evidence) {
    target.query("SELECT pg_catalog.pg_stat_clear_snapshot()", "reading the sessions afresh");
    const Blockers blockers = find_blockers(target, request.slot);
    evidence = blockers_evidence(blockers);
    if (!blockers.blocking.empty() && !request.choices.force)
        throw Error("55006", "switchback stopped before the lock: " + listed(blockers.blocking),
                    blockers.worth_a_word.empty() ? "" : "Also: " + listed(blockers.worth_a_word),
                    "Nothing was locked; nothing changed. End them and run switchback again, or "
                    "lock anyway with --force (force => true): the lock ends the sessions.");
    return blockers_passed(blockers);
}

// 3. New sessions here are read-only (committed by a worker at once); the
// other sessions end, each waited for so that its last commit is in the WAL
// before the final position is read. One that does not end in 5 s could
// write after it: an error.
std::string lock_this_database(pg::LocalSession &target, const SwitchbackRequest &request) {
    make_this_database_read_only();
    target.query("SELECT pg_catalog.pg_stat_clear_snapshot()", "reading the sessions afresh");
    const Row ended = first_row(
        target.query(std::string("SELECT pg_catalog.count(*)::pg_catalog.text, "
                                 "pg_catalog.array_agg(a.pid) FILTER (WHERE NOT "
                                 "pg_catalog.pg_terminate_backend(a.pid, 5000))::pg_catalog.text "
                                 "FROM pg_catalog.pg_stat_activity a WHERE ") +
                         other_sessions + " AND " + may_end_session,
                     "ending this database's other sessions"),
        "ending this database's other sessions");
    // pg_terminate_backend says false too of a session that ended on its own
    // meanwhile: only those still there count.
    if (ended.at(1)) {
        target.query("SELECT pg_catalog.pg_stat_clear_snapshot()", "reading the sessions afresh");
        const Row left = first_row(
            target.query("SELECT pg_catalog.string_agg(a.pid::pg_catalog.text, ', ') FROM "
                         "pg_catalog.pg_stat_activity a WHERE a.pid = ANY (" +
                             quote_literal(text_of(ended, 1)) + "::integer[])",
                         "looking for sessions that did not end"),
            "looking for sessions that did not end");
        if (left.at(0))
            throw Error("55006",
                        "sessions of this database did not end within 5 s: pid " + text_of(left, 0),
                        "", unlock_target_hint(request));
    }
    return text_of(ended, 0);
}

// 4. The old source confirms this database's final position: a record
// written and flushed now, past every commit before it.
std::string wait_for_final_position(pg::LocalSession &target, const SwitchbackRequest &request) {
    const std::string final_position =
        text_of(first_row(target.query("SELECT pg_catalog.pg_logical_emit_message(false, "
                                       "'ivory', 'switchback')::pg_catalog.text",
                                       "marking the final position"),
                          "marking the final position"),
                0);
    pg::flush_wal_to(final_position);
    for (;;) {
        const Rows confirmed =
            target.query("SELECT (confirmed_flush_lsn >= " + quote_literal(final_position) +
                             "::pg_catalog.pg_lsn)::pg_catalog.text FROM "
                             "pg_catalog.pg_replication_slots WHERE " +
                             slot_condition(request),
                         "reading the way back's slot");
        if (!confirmed.empty() && text_of(confirmed.front(), 0) == "true")
            return final_position;
        if (Clock::now() >= request.deadline)
            throw Error(sqlstate::query_canceled,
                        "switchback timed out after " + seconds_text(request.timeout_seconds) +
                            " s waiting for the source to confirm this database's final WAL "
                            "position " +
                            final_position);
        pg::sleep_interruptibly(locked_poll_interval_ms);
    }
}

// 5. The old source's sequences set to this database's values: the values
// nextval gave last here, so the old source continues after them.
std::vector<SequenceSetting> set_source_sequences(remote::Connection &source,
                                                  pg::LocalSession &target) {
    const auto here = read_sequences(target);
    const auto there = read_sequences(source);
    std::vector<std::string> missing;
    for (const auto &[name, sequence] : here)
        if (!there.count(name))
            missing.push_back(name);
    if (!missing.empty())
        throw Error("42P01", "sequences missing on the source: " + join(missing, ", "),
                    "The way back carries rows, not schema changes.",
                    "Create them on the source, then run switchback again.");
    std::vector<SequenceSetting> settings;
    for (const auto &[name, sequence] : here) {
        const bool used = sequence.last_value.has_value();
        const long long value = used ? *sequence.last_value : sequence.start_value;
        source.query("SELECT pg_catalog.setval(" + quote_literal(name) + "::pg_catalog.regclass, " +
                         std::to_string(value) + ", " + (used ? "true" : "false") +
                         ")::pg_catalog.text",
                     "setting a sequence");
        settings.push_back({name, sequence.last_value, value, "set"});
    }
    return settings;
}

// 6. Large objects are not carried back: they must be the same on both sides.
void require_same_large_objects(remote::Connection &source, pg::LocalSession &target,
                                const std::string &when) {
    const std::optional<TableVerdict> objects = compare_large_objects(source, target);
    if (objects && objects->matches != true)
        throw Error("55000", "large objects differ between this database and the source " + when,
                    objects->detail,
                    "Switchback does not copy large objects back: make them the same on the "
                    "source (lo_import, lo_from_bytea) first.");
}

// 4 to 9, while this database is read-only.
void switch_back_while_locked(remote::Connection &source, pg::LocalSession &target,
                              const SwitchbackRequest &request, StepRecorder &steps) {
    steps.start();
    const std::string final_position = wait_for_final_position(target, request);
    steps.record(CutoverStep::wait_for_final_position, "confirmed up to " + final_position,
                 {{"lsn", final_position}});

    steps.start();
    const std::vector<SequenceSetting> sequences = set_source_sequences(source, target);
    Json values = Json::array();
    for (const SequenceSetting &sequence : sequences)
        values.push_back(
            {{"sequence", sequence.sequence_name},
             {"value", sequence.target_value ? Json(*sequence.target_value) : Json()}});
    steps.record(CutoverStep::sync_sequences,
                 std::to_string(sequences.size()) + " sequence(s) set on the source",
                 {{"sequences", std::move(values)}});

    steps.start();
    require_same_large_objects(source, target, "while this database is read-only");
    const bool verify_fully = request.choices.verify_in_window;
    const std::vector<TableVerdict> verdicts =
        verify_fully
            ? verify_tables({request.source, request.publication, "", 100000, request.choices.jobs})
            : compare_row_counts(source, request.publication, {});
    if (const std::vector<std::string> differing = failing_tables(verdicts, true);
        !differing.empty())
        throw Error(sqlstate::internal, "switchback stopped: the data differs", listed(differing));
    steps.record(verify_fully ? CutoverStep::verify_data : CutoverStep::compare_row_counts,
                 std::to_string(verdicts.size()) +
                     (verify_fully ? " table(s) match" : " table(s) with the same count"),
                 tables_evidence(verdicts));

    steps.start();
    const std::vector<ObjectAction> dropped =
        drop_reverse_replication(source, target, request.publication, request.subscription);
    steps.record(CutoverStep::drop_reverse_replication,
                 std::to_string(dropped.size()) + " object(s) dropped or absent");

    steps.start();
    steps.record(CutoverStep::unlock_source, unlock_source_message(request.source));
}

} // namespace

std::vector<SwitchoverStep> switchback(const std::string &source_conninfo, long long max_lag,
                                       double timeout_seconds, const std::string &publication,
                                       const std::string &subscription,
                                       const SwitchbackChoices &choices) {
    const Clock::time_point started = Clock::now();
    pg::LocalSession target(false);
    const SwitchbackRequest request{
        source_conninfo,
        max_lag,
        timeout_seconds,
        publication,
        subscription,
        choices,
        started + std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000)),
        slot_name_for(subscription),
        text_of(first_row(target.query("SELECT pg_catalog.current_database()::pg_catalog.text",
                                       "naming this database"),
                          "naming this database"),
                0)};
    remote::Connection source(source_conninfo);
    require_switchback_privileges(source, target);

    StepRecorder steps;
    steps.start();
    wait_for_reverse(source, target, request);
    steps.record(CutoverStep::wait_for_sync, "the source applies the way back, lag at most " +
                                                 std::to_string(max_lag) + " bytes");

    steps.start();
    Json blockers;
    const std::string blockers_found = check_target_blockers(target, request, blockers);
    require_same_large_objects(source, target, "before the lock");
    steps.record(CutoverStep::check_blockers, blockers_found, blockers);

    steps.start();
    const Clock::time_point locked_at = Clock::now();
    const std::string ended = lock_this_database(target, request);
    steps.record(CutoverStep::lock_target,
                 "default_transaction_read_only = on here; " + ended + " session(s) ended");

    try {
        switch_back_while_locked(source, target, request, steps);
    } catch (const Error &error) {
        ErrorFields fields = error.fields();
        fields.hint += (fields.hint.empty() ? "" : " ") + unlock_target_hint(request);
        fields.context = "during switchback";
        throw Error(fields);
    } catch (pg::PgError &error) {
        error.add_hint_if_missing(unlock_target_hint(request));
        error.add_context("during switchback");
        throw;
    }

    steps.summary(CutoverStep::target_read_only, locked_at,
                  "this database stays read-only; the source is the primary again");
    steps.summary(CutoverStep::total, started, "");
    return std::move(steps).steps();
}

std::vector<ObjectAction> reverse_replication_drop(const std::string &source_conninfo,
                                                   const std::string &publication,
                                                   const std::string &subscription) {
    remote::Connection source(source_conninfo);
    pg::LocalSession target(false);
    return drop_reverse_replication(source, target, publication, subscription);
}

} // namespace ivory
