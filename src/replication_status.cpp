// ivory.replication_status: the subscription, its apply worker, ivory's
// initial copy, the slots and the lag on the source, and each table, gathered
// as typed entries (core/status.hpp). Rows are made of them at the edge.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "background_copy.hpp"
#include "core/checks.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/schema_drift.hpp"
#include "core/status.hpp"
#include "core/strings.hpp"
#include "functions.hpp"
#include "pg/guard.hpp"
#include "pg/server_info.hpp"
#include "pg/spi.hpp"
#include "pg/subtransaction.hpp"
#include "recorded_ddl.hpp"
#include "remote/connection.hpp"
#include "subscription.hpp"

namespace ivory {

namespace {

// A reply older than this means the subscriber is not keeping up or is gone.
constexpr long long stale_reply_seconds = 300;

StatusEntry entry(StatusItem item, std::string name, ItemState state, Severity severity,
                  std::string detail) {
    StatusEntry made;
    made.item = item;
    made.name = std::move(name);
    made.state = state;
    made.severity = severity;
    made.detail = std::move(detail);
    return made;
}

StatusEntry subscription_entry(const Subscription &subscription, bool copy_running) {
    if (subscription.enabled)
        return entry(StatusItem::subscription, subscription.name, ItemState::enabled, Severity::ok,
                     "replication is started");
    return entry(StatusItem::subscription, subscription.name, ItemState::disabled, Severity::error,
                 copy_running ? "the initial copy runs; the subscription is enabled when it ends"
                              : "replication is stopped: start it");
}

std::string copy_state_detail(const CopyProgress &copy, size_t tables_done, long long bytes_done,
                              long long bytes_total) {
    if (copy.running && copy.tasks.empty())
        return "planning: measuring and queueing the tables, " +
               std::to_string(copy.workers_running) + " worker(s) running";
    std::string detail = std::to_string(tables_done) + " of " + std::to_string(copy.tasks.size()) +
                         " table(s) copied, " + human_bytes(bytes_done) + " of about " +
                         human_bytes(bytes_total);
    if (copy.running) {
        detail += ", " + std::to_string(copy.workers_running) + " of " + std::to_string(copy.jobs) +
                  " worker(s) running for " + std::to_string(copy.seconds) + " s";
        // The rate so far gives the time left; none before the first bytes.
        if (bytes_done > 0 && bytes_total > bytes_done && copy.seconds > 0)
            detail += ", about " +
                      std::to_string(static_cast<long long>(
                          copy.seconds * static_cast<double>(bytes_total - bytes_done) /
                          static_cast<double>(bytes_done))) +
                      " s left";
        return detail;
    }
    if (copy.state == "paused")
        return detail + "; paused by stop: start resumes it";
    if (copy.state == "failed")
        return detail + "; failed: " + copy.error + "; start resumes it";
    return detail + "; its workers are gone (the server restarted?): start resumes it";
}

// ivory's copy in its workers: one entry for the whole, one per index being
// built; once done, what it did.
void add_initial_copy(ReplicationStatus &status, pg::LocalSession &target,
                      const Subscription &subscription, const CopyProgress &copy) {
    if (copy.state == "done") {
        StatusEntry done = entry(StatusItem::initial_copy, "round " + std::to_string(copy.round),
                                 ItemState::copied, Severity::ok,
                                 finished_copy_summary(target, subscription.oid) + " in " +
                                     std::to_string(copy.seconds) + " s");
        done.age_seconds = copy.seconds;
        status.entries.push_back(done);
        return;
    }
    size_t tables_done = 0;
    long long bytes_done = 0;
    long long bytes_total = 0;
    for (const CopyTaskProgress &task : copy.tasks) {
        bytes_total += task.bytes_total;
        if (task.state == "done") {
            ++tables_done;
            bytes_done += task.bytes_total;
        } else if (task.bytes_copied) {
            bytes_done += std::min(*task.bytes_copied, task.bytes_total);
        }
    }
    const ItemState state = copy.running             ? ItemState::running
                            : copy.state == "paused" ? ItemState::paused
                            : copy.state == "failed" ? ItemState::failed
                                                     : ItemState::interrupted;
    StatusEntry entire = entry(StatusItem::initial_copy, "round " + std::to_string(copy.round),
                               state, copy.running ? Severity::warning : Severity::error,
                               copy_state_detail(copy, tables_done, bytes_done, bytes_total));
    entire.bytes_copied = bytes_done;
    entire.bytes_total = bytes_total;
    entire.age_seconds = copy.seconds;
    status.entries.push_back(entire);
    for (const Row &index : target.query(
             "SELECT p.relid::pg_catalog.regclass::pg_catalog.text, p.phase, "
             "(p.blocks_done * pg_catalog.current_setting('block_size')::pg_catalog.int8)"
             "::pg_catalog.text, (p.blocks_total * "
             "pg_catalog.current_setting('block_size')::pg_catalog.int8)::pg_catalog.text, "
             "a.query FROM pg_catalog.pg_stat_progress_create_index p "
             "JOIN pg_catalog.pg_stat_activity a ON a.pid = p.pid "
             "WHERE a.backend_type = 'ivory copy' ORDER BY 1",
             "reading the index builds")) {
        StatusEntry build =
            entry(StatusItem::index, "of " + text_of(index, 0), ItemState::building,
                  Severity::warning, text_of(index, 4) + " after the data: " + text_of(index, 1));
        build.bytes_copied = number_of(index.at(2));
        build.bytes_total = number_of(index.at(3));
        status.entries.push_back(build);
    }
}

struct ApplyWorker {
    std::string pid;
    std::optional<long long> reply_age_seconds;
};

std::optional<ApplyWorker> apply_worker(pg::LocalSession &target,
                                        const Subscription &subscription) {
    const Rows workers = target.query(
        "SELECT pid::pg_catalog.text, pg_catalog.round(EXTRACT(epoch FROM pg_catalog.now() - "
        "last_msg_receipt_time))::pg_catalog.text FROM pg_catalog.pg_stat_subscription "
        "WHERE subid = $1::oid AND relid IS NULL AND pid IS NOT NULL" +
            // From 16, parallel apply workers are listed beside their leader.
            std::string(pg::running_server_version_num() >= 160000 ? " AND leader_pid IS NULL"
                                                                   : ""),
        {Value(subscription.oid)}, "looking up the apply worker");
    if (workers.empty())
        return std::nullopt;
    const Row &row = first_row(workers, "looking up the apply worker");
    ApplyWorker worker{text_of(row, 0), std::nullopt};
    if (row.at(1))
        worker.reply_age_seconds = number_of(row.at(1));
    return worker;
}

StatusEntry worker_entry(const std::optional<ApplyWorker> &worker, bool enabled) {
    if (worker)
        return entry(StatusItem::worker, "apply", ItemState::running, Severity::ok,
                     "pid " + worker->pid);
    return entry(StatusItem::worker, "apply", ItemState::not_running,
                 enabled ? Severity::error : Severity::ok, "no apply worker is running");
}

StatusEntry lag_entry(const std::string &slot, long long lag, const std::string &confirmed,
                      const std::optional<ApplyWorker> &worker) {
    StatusEntry made =
        entry(StatusItem::lag, slot, ItemState::not_streaming, Severity::ok,
              human_bytes(lag) + " of WAL not yet confirmed (confirmed up to " + confirmed + ")");
    made.lag_bytes = lag;
    if (worker) {
        made.state = ItemState::current;
        if (worker->reply_age_seconds) {
            const long long age = *worker->reply_age_seconds;
            made.age_seconds = age;
            made.detail += "; last message from the source " + std::to_string(age) + " s ago";
            if (age > stale_reply_seconds) {
                made.state = ItemState::stale;
                made.severity = Severity::error;
            }
        }
    }
    return made;
}

// What the subscription uses of what the versions offer, from its catalog
// row: streaming (a boolean before 16, a letter from 16) and failover (17+).
void add_features(ReplicationStatus &status, pg::LocalSession &target,
                  const Subscription &subscription) {
    const bool has_failover = pg::running_server_version_num() >= 170000;
    const Row options = first_row(
        target.query("SELECT substream::pg_catalog.text, " +
                         std::string(has_failover ? "subfailover::pg_catalog.text" : "'false'") +
                         " FROM pg_catalog.pg_subscription WHERE oid = $1::oid",
                     {Value(subscription.oid)}, "reading the subscription's options"),
        "reading the subscription's options");
    const std::string streaming = text_of(options, 0);
    if (streaming == "p")
        status.entries.push_back(entry(
            StatusItem::feature, "parallel apply", ItemState::used, Severity::ok,
            "streaming = parallel: a large transaction is applied by parallel workers while it "
            "arrives (target 16+)"));
    else if (streaming == "t" || streaming == "true")
        status.entries.push_back(
            entry(StatusItem::feature, "streaming", ItemState::used, Severity::ok,
                  "streaming = on: a large transaction is sent while it runs on the source (source "
                  "14+) and applied at its commit"));
    if (text_of(options, 1) == "true")
        status.entries.push_back(entry(
            StatusItem::feature, "failover slot", ItemState::used, Severity::ok,
            "the slot has failover set (17+): a standby of the source that synchronises slots "
            "keeps it, and replication goes on after a failover of the source"));
}

// Apply conflicts the target counted (18+): rows that were there, or not,
// when a change arrived.
void add_conflicts(ReplicationStatus &status, pg::LocalSession &target,
                   const Subscription &subscription) {
    if (pg::running_server_version_num() < 180000)
        return;
    static const char *const kinds[] = {"insert_exists",         "update_origin_differs",
                                        "update_exists",         "update_missing",
                                        "delete_origin_differs", "delete_missing"};
    std::string columns;
    for (const char *kind : kinds)
        columns += std::string(columns.empty() ? "" : ", ") + "confl_" + kind + "::pg_catalog.text";
    const Rows counts = target.query("SELECT " + columns +
                                         " FROM pg_catalog.pg_stat_subscription_stats WHERE "
                                         "subid = $1::oid",
                                     {Value(subscription.oid)}, "reading the apply conflicts");
    std::vector<std::string> seen;
    if (!counts.empty()) {
        const Row &row = first_row(counts, "reading the apply conflicts");
        for (size_t i = 0; i < std::size(kinds); ++i)
            if (const long long count = number_of(row.at(i)); count > 0)
                seen.push_back(std::string(kinds[i]) + " " + std::to_string(count));
    }
    if (seen.empty())
        status.entries.push_back(entry(StatusItem::conflicts, "apply", ItemState::none,
                                       Severity::ok, "no apply conflict counted"));
    else
        status.entries.push_back(
            entry(StatusItem::conflicts, "apply", ItemState::seen, Severity::warning,
                  "apply conflicts counted (pg_stat_subscription_stats): " + join(seen, ", ") +
                      "; rows differed between the source and the target when changes arrived"));
}

// The apply worker's errors the target counted (15+). The error itself is in
// the target's server log only; the schema comparison and the recorded DDL
// commands say what stops the apply.
void add_apply_errors(ReplicationStatus &status, pg::LocalSession &target,
                      const Subscription &subscription) {
    const Rows counts =
        target.query("SELECT apply_error_count::pg_catalog.text FROM "
                     "pg_catalog.pg_stat_subscription_stats WHERE subid = $1::oid",
                     {Value(subscription.oid)}, "reading the apply errors");
    if (counts.empty())
        return;
    const long long errors = number_of(first_row(counts, "reading the apply errors").at(0));
    if (errors == 0)
        return;
    status.entries.push_back(entry(
        StatusItem::worker, "apply errors", ItemState::seen, Severity::warning,
        "the apply worker failed " + std::to_string(errors) +
            " time(s) since the statistics were reset (pg_stat_subscription_stats); each "
            "error is in the target's server log, and the entries below say what stops it"));
}

// What changed in the schemas since the replication began: the recorded DDL
// commands (track_ddl) and the differences of the two sides, both read on
// every call (a digest of each side when nothing differs). Not while ivory's
// initial copy runs: it drops and builds indexes, and the comparison would
// race with it. A comparison that fails is a warning: the status is still
// the answer.
void add_schema_changes(ReplicationStatus &status, pg::LocalSession &target,
                        remote::Connection &source, const Subscription &subscription,
                        bool copy_unfinished) {
    if (copy_unfinished)
        return;
    std::vector<StatusEntry> found;
    const auto not_compared = [&found](const char *why) {
        found.push_back(entry(StatusItem::schema, "comparison", ItemState::unknown,
                              Severity::warning,
                              std::string("the schemas could not be compared now: ") + why));
    };
    try {
        pg::in_subtransaction([&] {
            bool pending = false;
            if (source_records_ddl(source)) {
                const std::vector<RecordedDdl> commands =
                    read_recorded_ddl(target, source, subscription);
                ReplicationStatus recorded;
                add_recorded_ddl_entries(recorded, commands);
                found = std::move(recorded.entries);
                for (const RecordedDdl &command : commands)
                    pending = pending || command.state == "pending" || command.state == "failed";
            }
            for (StatusEntry &drift : schema_drift_entries(compare_schemas(source, target), pending))
                found.push_back(std::move(drift));
        });
    } catch (const pg::PgError &failure) {
        // A cancel or a shutdown ends the status, as it would any statement.
        if (failure.sqlstate().rfind("57", 0) == 0)
            throw;
        not_compared(failure.what());
    } catch (const std::exception &failure) {
        not_compared(failure.what());
    }
    for (StatusEntry &made : found)
        status.entries.push_back(std::move(made));
}

// The main slot, the table-sync slots and the lag, as the source sees them.
// What the slot keeps on the source, in its detail: a warning once the
// source keeps WAL beyond max_wal_size for it ("extended") or may remove it
// ("unreserved"), an error once it has ("lost": the subscription cannot go
// on), and a warning when less than a gigabyte of room is left.
void add_retained_wal(StatusEntry &slot, const Row &found) {
    constexpr long long little_room = 1LL << 30;
    if (!found.at(4))
        return;
    slot.detail += "; it keeps " + human_bytes(number_of(found.at(4))) + " of WAL on the source";
    const std::string wal_status = value_or(found.at(5), "");
    if (!wal_status.empty())
        slot.detail += " (wal_status " + wal_status + ")";
    if (found.at(6)) {
        const long long room = number_of(found.at(6));
        slot.detail += ", " + human_bytes(room) + " more before max_slot_wal_keep_size";
        if (room < little_room && slot.severity == Severity::ok)
            slot.severity = Severity::warning;
    }
    if (wal_status == "lost")
        slot.severity = Severity::error;
    else if ((wal_status == "extended" || wal_status == "unreserved") &&
             slot.severity == Severity::ok)
        slot.severity = Severity::warning;
}

void add_source_side(ReplicationStatus &status, pg::LocalSession &target,
                     const Subscription &subscription, const std::string &slot,
                     const std::optional<std::string> &source_conninfo,
                     const std::optional<ApplyWorker> &worker, bool copy_unfinished) {
    try {
        remote::Connection source(source_conninfo.value_or(subscription.conninfo));
        // The WAL each slot keeps on the source, and from 13 how the source
        // stands with it (wal_status, safe_wal_size: room left before
        // max_slot_wal_keep_size; NULL when unlimited).
        const bool wal_status_known = source.server_version() >= 130000;
        const Rows slots = source.query(
            "SELECT slot_name::pg_catalog.text, active::pg_catalog.text, "
            "pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), "
            "confirmed_flush_lsn)::bigint::pg_catalog.text, confirmed_flush_lsn::pg_catalog.text, "
            "pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), restart_lsn)::bigint"
            "::pg_catalog.text, " +
                std::string(wal_status_known ? "wal_status, safe_wal_size::pg_catalog.text "
                                             : "NULL::pg_catalog.text, NULL::pg_catalog.text ") +
                "FROM pg_catalog.pg_replication_slots WHERE " +
                subscription_slots_condition(slot, subscription.oid,
                                             target_system_identifier(target)) +
                " ORDER BY 1",
            "reading the replication slots");
        bool main_found = false;
        for (const Row &found : slots) {
            const bool active = text_of(found, 1) == "true";
            const ItemState state = active ? ItemState::active : ItemState::inactive;
            if (text_of(found, 0) != slot) {
                // A table-sync worker streaming is worth a look, not an alarm.
                status.entries.push_back(
                    entry(StatusItem::sync_slot, text_of(found, 0), state,
                          active ? Severity::warning : Severity::ok,
                          active ? "a table-sync worker is catching up through this slot"
                                 : "kept for a table's initial copy"));
                continue;
            }
            main_found = true;
            StatusEntry made =
                entry(StatusItem::slot, slot, state, active ? Severity::ok : Severity::error,
                      active ? "the subscription is streaming from it"
                             : "no subscriber is streaming from it");
            add_retained_wal(made, found);
            status.entries.push_back(made);
            status.entries.push_back(
                lag_entry(slot, number_of(found.at(2)), text_of(found, 3), worker));
        }
        if (!main_found)
            status.entries.push_back(entry(StatusItem::slot, slot, ItemState::missing,
                                           Severity::error,
                                           "the replication slot does not exist on the source"));
        add_schema_changes(status, target, source, subscription, copy_unfinished);
    } catch (const Error &error) {
        status.entries.push_back(entry(StatusItem::slot, slot, ItemState::unknown, Severity::error,
                                       "could not reach the source: " + error.fields().message +
                                           " " + error.fields().detail));
    }
}

// A table's size on the source, for the progress of its copy; none when the
// source cannot tell (the size is a nicety, the state is the answer).
std::optional<long long> source_table_size(std::optional<remote::Connection> &sizes,
                                           const std::string &conninfo, const std::string &schema,
                                           const std::string &table) {
    try {
        if (!sizes)
            sizes.emplace(conninfo);
        const Rows size = sizes->query(
            "SELECT pg_catalog.pg_table_size(c.oid)::pg_catalog.text FROM "
            "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = " +
                quote_literal(schema) + " AND c.relname = " + quote_literal(table),
            "reading a table's size");
        if (!size.empty())
            return number_of(first_row(size, "reading a table's size").at(0));
    } catch (const Error &) {
    }
    return std::nullopt;
}

// A table that ivory's copy has not finished: queued, copying (with its
// bytes), building an index, or failed.
StatusEntry copy_task_entry(const CopyTaskProgress &task) {
    if (task.state == "queued")
        return entry(StatusItem::table, task.table, ItemState::queued, Severity::error,
                     "waits for a copy worker (about " + human_bytes(task.bytes_total) + ")");
    if (task.state == "failed")
        return entry(StatusItem::table, task.table, ItemState::failed, Severity::error,
                     "its copy failed: " + task.error);
    if (task.activity.rfind("building", 0) == 0)
        return entry(StatusItem::table, task.table, ItemState::building, Severity::error,
                     task.activity);
    StatusEntry copying =
        entry(StatusItem::table, task.table, ItemState::copying, Severity::error, "");
    copying.bytes_copied = task.bytes_copied.value_or(0);
    copying.bytes_total = task.bytes_total;
    copying.detail =
        human_bytes(*copying.bytes_copied) + " copied of about " + human_bytes(task.bytes_total);
    if (task.rows)
        copying.detail += ", " + std::to_string(*task.rows) + " rows";
    if (task.seconds && *task.seconds >= 1)
        copying.detail += ", " +
                          human_bytes(static_cast<long long>(
                              static_cast<double>(*copying.bytes_copied) / *task.seconds)) +
                          "/s";
    if (task.ranges > 1)
        copying.detail += " in " + std::to_string(task.ranges) + " ranges, " +
                          std::to_string(task.ranges_done) + " done";
    return copying;
}

void add_tables(ReplicationStatus &status, pg::LocalSession &target,
                const Subscription &subscription, const std::string &source_conninfo,
                const std::optional<CopyProgress> &copy) {
    std::map<std::string, const CopyTaskProgress *> unfinished;
    if (copy && copy->state != "done")
        for (const CopyTaskProgress &task : copy->tasks)
            if (task.state != "done")
                unfinished.emplace(task.table, &task);
    const Rows tables = target.query(
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), r.srsubstate::pg_catalog.text, "
        "p.bytes_processed::pg_catalog.text, n.nspname, c.relname "
        "FROM pg_catalog.pg_subscription_rel r "
        "JOIN pg_catalog.pg_class c ON c.oid = r.srrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_catalog.pg_stat_progress_copy p ON p.relid = c.oid "
        "WHERE r.srsubid = $1::oid ORDER BY 1",
        {Value(subscription.oid)}, "reading the tables' states");
    std::optional<remote::Connection> sizes;
    for (const Row &table : tables) {
        if (const auto task = unfinished.find(text_of(table, 0)); task != unfinished.end()) {
            status.entries.push_back(copy_task_entry(*task->second));
            continue;
        }
        const std::string letter = text_of(table, 1);
        ItemState state = table_state(letter.empty() ? '?' : letter[0]);
        if (state != ItemState::copying) {
            const bool ready = state == ItemState::ready;
            status.entries.push_back(entry(
                StatusItem::table, text_of(table, 0), state, ready ? Severity::ok : Severity::error,
                ready                              ? "replicating"
                : state == ItemState::synchronized ? "copied; ready once the apply worker has "
                                                     "passed the copy's snapshot"
                                                   : "initial copy not finished"));
            continue;
        }
        StatusEntry copying =
            entry(StatusItem::table, text_of(table, 0), state, Severity::error, "");
        copying.bytes_copied = number_of(table.at(2));
        copying.bytes_total =
            source_table_size(sizes, source_conninfo, text_of(table, 3), text_of(table, 4));
        copying.detail = human_bytes(*copying.bytes_copied) + " copied";
        if (copying.bytes_total)
            copying.detail += " of about " + human_bytes(*copying.bytes_total);
        status.entries.push_back(copying);
    }
}

} // namespace

ReplicationStatus replication_status(const std::string &subscription_name,
                                     const std::optional<std::string> &source_conninfo) {
    // Fresh snapshots: switchover asks again and again within one statement.
    pg::LocalSession target(false);
    const Subscription subscription = require_subscription(target, subscription_name);
    const std::string slot = subscription.slot_name.value_or(slot_name_for(subscription_name));
    ReplicationStatus status;
    const std::optional<CopyProgress> copy = copy_progress(target, subscription.oid);
    status.entries.push_back(subscription_entry(subscription, copy && copy->running));
    if (copy)
        add_initial_copy(status, target, subscription, *copy);
    const std::optional<ApplyWorker> worker = apply_worker(target, subscription);
    status.entries.push_back(worker_entry(worker, subscription.enabled));
    add_features(status, target, subscription);
    add_conflicts(status, target, subscription);
    add_apply_errors(status, target, subscription);
    add_source_side(status, target, subscription, slot, source_conninfo, worker,
                    copy && copy->state != "done");
    add_tables(status, target, subscription, source_conninfo.value_or(subscription.conninfo), copy);
    return status;
}

} // namespace ivory
