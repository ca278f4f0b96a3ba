#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "background_copy.hpp"

#include "core/conninfo.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/session_settings.hpp"
#include "core/strings.hpp"
#include "initial_copy.hpp"
#include "pg/replication_catalog.hpp"
#include "pg/server_info.hpp"
#include "remote/connection.hpp"

namespace ivory {

namespace {

const char *const coordinator_function = "ivory_copy_coordinator_main";
const char *const worker_function = "ivory_copy_worker_main";

// At most this many workers by default.
constexpr int default_jobs_limit = 4;

// How long a caller waits for a coordinator it launched to take its lock.
constexpr long coordinator_start_milliseconds = 30000;
// How long stop and drop wait for the workers they ended to be gone.
constexpr long workers_end_milliseconds = 30000;
constexpr long poll_milliseconds = 100;

// The coordinator holds a session advisory lock on this key for as long as
// it lives: ("ivor" << 32) | subscription oid. Whoever sees it in pg_locks
// knows the copy runs; a second coordinator does not get it.
const std::string lock_class = "1769369458";
std::string copy_lock_key(const std::string &subscription_parameter) {
    return "((" + lock_class + "::pg_catalog.int8 << 32) | " + subscription_parameter +
           "::pg_catalog.oid::pg_catalog.int8)";
}

// Every worker of a subscription's copy shows this in pg_stat_activity.
std::string worker_application_name(const std::string &subscription_oid) {
    return "ivory copy " + subscription_oid;
}

std::optional<std::string> coordinator_pid(pg::LocalSession &target,
                                           const std::string &subscription_oid) {
    const Rows holder = target.query(
        "SELECT l.pid::pg_catalog.text FROM pg_catalog.pg_locks l "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.classid = " +
            lock_class +
            " AND l.objid = $1::pg_catalog.oid AND l.database = (SELECT d.oid FROM "
            "pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())",
        {Value(subscription_oid)}, "looking for the initial copy's coordinator");
    if (holder.empty())
        return std::nullopt;
    return text_of(holder.front(), 0);
}

std::vector<std::string> worker_pids(pg::LocalSession &target,
                                     const std::string &subscription_oid) {
    // pg_stat_activity is read once per transaction unless told otherwise:
    // stop and drop poll it within one.
    target.query("SELECT pg_catalog.pg_stat_clear_snapshot()", "reading pg_stat_activity afresh");
    std::vector<std::string> pids;
    for (const Row &row :
         target.query("SELECT pid::pg_catalog.text FROM pg_catalog.pg_stat_activity "
                      "WHERE backend_type = 'ivory copy' AND application_name = $1",
                      {Value(worker_application_name(subscription_oid))},
                      "looking for the initial copy's workers"))
        pids.push_back(text_of(row, 0));
    return pids;
}

bool copy_tables_installed(pg::LocalSession &target) {
    return text_of(first_row(target.query("SELECT (pg_catalog.to_regclass('ivory.copy_job') IS "
                                          "NOT NULL)::pg_catalog.text",
                                          "looking for ivory's copy tables"),
                             "looking for ivory's copy tables"),
                   0) == "true";
}

// What the machine allows: cores, and the worker slots no one uses (one
// left for the apply worker that follows).
int default_jobs(pg::LocalSession &target) {
    const Rows free = target.query(
        "SELECT (pg_catalog.current_setting('max_worker_processes')::pg_catalog.int4 - "
        "(SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type NOT IN "
        "('client backend', 'autovacuum launcher', 'autovacuum worker', 'background writer', "
        "'checkpointer', 'walwriter', 'startup', 'archiver', 'walsender', 'walreceiver', "
        "'walsummarizer', 'io worker', 'slotsync worker', 'standalone backend', 'logger')))"
        "::pg_catalog.text",
        "counting the free background worker slots");
    const long long slots = number_of(first_row(free, "counting the free worker slots").at(0)) - 1;
    const long long cores = std::max(1u, std::thread::hardware_concurrency());
    return static_cast<int>(std::clamp<long long>(std::min(slots, cores), 1, default_jobs_limit));
}

void terminate_workers(pg::LocalSession &target, const std::string &subscription_oid) {
    target.query("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity "
                 "WHERE backend_type = 'ivory copy' AND application_name = $1",
                 {Value(worker_application_name(subscription_oid))},
                 "stopping the initial copy's workers");
    for (long waited = 0; !worker_pids(target, subscription_oid).empty();
         waited += poll_milliseconds) {
        if (waited >= workers_end_milliseconds)
            throw Error(sqlstate::internal, "the initial copy's workers did not stop",
                        "pg_terminate_backend was sent to each; they are still running after " +
                            std::to_string(workers_end_milliseconds / 1000) + " s");
        pg::sleep_interruptibly(poll_milliseconds);
    }
}

// With `wait`: until the copy is done and every table ready. While the
// coordinator runs, the state is its own (it may still show the last
// round's until it has planned the next); once it has ended, the state is
// final.
void wait_for_copy(pg::LocalSession &target, const Subscription &subscription) {
    for (;;) {
        const std::optional<CopyProgress> progress = copy_progress(target, subscription.oid);
        const bool running = progress && progress->running;
        if (progress && progress->state == "done") {
            const Rows waiting = target.query(
                "SELECT 1 FROM pg_catalog.pg_subscription_rel WHERE srsubid = $1::pg_catalog.oid "
                "AND srsubstate <> 'r'",
                {Value(subscription.oid)}, "waiting for the tables to be ready");
            if (waiting.empty())
                return;
        } else if (!running) {
            if (!progress)
                throw Error(sqlstate::internal, "the initial copy ended before it began", "",
                            "See the server's log.");
            if (progress->state == "failed")
                throw Error("55000", "the initial copy failed: " + progress->error, "",
                            "Fix the cause, then start again: tables already copied are kept.");
            throw Error("55000", "the initial copy stopped (" + progress->state + ")", "",
                        "Start it again to resume it.");
        }
        pg::sleep_interruptibly(200);
    }
}

// --- in the workers -------------------------------------------------------------------

struct JobPlan {
    std::string subscription_name;
    std::string conninfo;
    int round = 0; // 0: the copy is done, nothing to do
};

// The subscription's copy made ready for a round: planned (the tables that
// wait for their copy, largest first) or, when it exists, every table not
// done queued again. In a transaction of the coordinator.
JobPlan prepare_job(pg::LocalSession &target, const std::string &subscription_oid, int jobs,
                    long long split_bytes) {
    const Rows subscriptions =
        target.query("SELECT subname::pg_catalog.text, subconninfo FROM pg_catalog.pg_subscription "
                     "WHERE oid = $1::pg_catalog.oid",
                     {Value(subscription_oid)}, "reading the subscription");
    const Row &subscription = first_row(subscriptions, "reading the subscription");
    JobPlan plan{text_of(subscription, 0), text_of(subscription, 1), 1};
    const Rows existing = target.query("SELECT round::pg_catalog.text, state FROM ivory.copy_job "
                                       "WHERE subscription_oid = $1::pg_catalog.oid FOR UPDATE",
                                       {Value(subscription_oid)}, "reading the initial copy");
    // A job with no task is one whose planning failed (recorded as such):
    // planned afresh.
    if (!existing.empty() &&
        target
            .query("SELECT 1 FROM ivory.copy_task WHERE subscription_oid = $1::pg_catalog.oid "
                   "LIMIT 1",
                   {Value(subscription_oid)}, "reading the initial copy")
            .empty()) {
        target.query("WITH d AS (DELETE FROM ivory.copy_job WHERE subscription_oid = "
                     "$1::pg_catalog.oid RETURNING 1) SELECT pg_catalog.count(*) FROM d",
                     {Value(subscription_oid)}, "forgetting a copy never planned");
    } else if (!existing.empty()) {
        // Done already: a start that came while the last coordinator was
        // ending. Nothing to do.
        if (text_of(existing.front(), 1) == "done") {
            plan.round = 0;
            return plan;
        }
        plan.round = static_cast<int>(number_of(existing.front().at(0))) + 1;
        // A table copied in ranges is whole only with every range from the
        // same snapshot: one not finished, and it is copied again entirely.
        for (const Row &cut :
             target.query("SELECT t.table_oid::pg_catalog.text, pg_catalog.min(t.table_name) "
                          "FROM ivory.copy_task t WHERE t.subscription_oid = $1::pg_catalog.oid "
                          "AND t.range_count > 1 GROUP BY t.table_oid "
                          "HAVING pg_catalog.bool_or(t.state <> 'done')",
                          {Value(subscription_oid)}, "looking for tables copied in part")) {
            target.execute("TRUNCATE ONLY " + text_of(cut, 1));
            target.query("WITH r AS (UPDATE ivory.copy_task SET state = 'queued' WHERE "
                         "subscription_oid = $1::pg_catalog.oid AND table_oid = "
                         "$2::pg_catalog.oid RETURNING 1) SELECT pg_catalog.count(*) FROM r",
                         {Value(subscription_oid), cut.at(0)}, "queueing a table's ranges again");
        }
        target.query("WITH queued AS (UPDATE ivory.copy_task SET state = 'queued', "
                     "worker_pid = NULL, error = NULL WHERE subscription_oid = $1::pg_catalog.oid "
                     "AND state <> 'done' RETURNING 1), "
                     "job AS (UPDATE ivory.copy_job SET state = 'starting', round = $2::int4, "
                     "jobs = $3::int4, error = NULL, started_at = pg_catalog.now(), "
                     "finished_at = NULL WHERE subscription_oid = $1::pg_catalog.oid RETURNING 1) "
                     "SELECT (SELECT pg_catalog.count(*) FROM queued), (SELECT pg_catalog.count(*) "
                     "FROM job)",
                     {Value(subscription_oid), Value(std::to_string(plan.round)),
                      Value(std::to_string(jobs))},
                     "queueing the tables not yet copied");
        return plan;
    }
    std::vector<std::string> oids;
    std::vector<std::string> names;
    for (const Row &row : target.query(
             "SELECT c.oid::pg_catalog.text, pg_catalog.format('%I.%I', n.nspname, c.relname) "
             "FROM pg_catalog.pg_subscription_rel r JOIN pg_catalog.pg_class c ON c.oid = "
             "r.srrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
             "WHERE r.srsubid = $1::pg_catalog.oid AND r.srsubstate = 'i'",
             {Value(subscription_oid)}, "listing the tables to copy")) {
        oids.push_back(text_of(row, 0));
        names.push_back(text_of(row, 1));
    }
    // Sizes on the source decide the order: the largest first, so that the
    // last table to finish is a small one.
    std::vector<std::string> quoted_names;
    for (const std::string &name : names)
        quoted_names.push_back(quote_literal(name));
    std::vector<std::string> sizes(names.size(), "0");
    if (!names.empty()) {
        remote::Connection source(plan.conninfo);
        const Rows measured = source.query(
            "SELECT coalesce(pg_catalog.pg_table_size(pg_catalog.to_regclass(w.name)), 0)"
            "::pg_catalog.text FROM pg_catalog.unnest(ARRAY[" +
                join(quoted_names, ", ") +
                "]::pg_catalog.text[]) WITH ORDINALITY AS w(name, position) ORDER BY w.position",
            "reading the sizes of the tables to copy");
        for (size_t i = 0; i < measured.size() && i < sizes.size(); ++i)
            sizes[i] = text_of(measured[i], 0);
    }
    target.query(
        "WITH job AS (INSERT INTO ivory.copy_job (subscription_oid, state, jobs, round) "
        "VALUES ($1::pg_catalog.oid, 'starting', $2::int4, 1) RETURNING 1), "
        "tasks AS (INSERT INTO ivory.copy_task (subscription_oid, table_oid, table_name, "
        "bytes_total) SELECT $1::pg_catalog.oid, t.oid, pg_catalog.format('%I.%I', "
        "n.nspname, c.relname), t.size FROM ROWS FROM (pg_catalog.unnest($3::pg_catalog.oid[]), "
        "pg_catalog.unnest($4::pg_catalog.int8[])) AS t(oid, size) JOIN pg_catalog.pg_class c ON "
        "c.oid = "
        "t.oid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace RETURNING 1) "
        "SELECT (SELECT pg_catalog.count(*) FROM job), (SELECT pg_catalog.count(*) FROM "
        "tasks)",
        {Value(subscription_oid), Value(std::to_string(jobs)), Value("{" + join(oids, ",") + "}"),
         Value("{" + join(sizes, ",") + "}")},
        "planning the initial copy");
    // A table larger than split_bytes is copied in ranges by several workers
    // at once: at least one per worker, about split_bytes each.
    if (jobs < 2 || names.empty())
        return plan;
    std::optional<remote::Connection> source;
    for (size_t i = 0; i < names.size(); ++i) {
        const long long size = number_of(Value(sizes[i]));
        if (size <= split_bytes)
            continue;
        if (!source)
            source.emplace(plan.conninfo);
        const long long wanted = (size + split_bytes - 1) / std::max(split_bytes, 1LL);
        const int count = static_cast<int>(std::clamp<long long>(wanted, jobs, max_copy_jobs));
        const std::vector<std::string> ranges =
            table_ranges(target, *source, TableToCopy{oids[i], names[i], "", ""}, count);
        if (ranges.empty())
            continue;
        target.query("WITH d AS (DELETE FROM ivory.copy_task WHERE subscription_oid = "
                     "$1::pg_catalog.oid AND table_oid = $2::pg_catalog.oid RETURNING 1) "
                     "SELECT pg_catalog.count(*) FROM d",
                     {Value(subscription_oid), Value(oids[i])}, "cutting a table into ranges");
        for (size_t range = 0; range < ranges.size(); ++range)
            target.query("WITH r AS (INSERT INTO ivory.copy_task (subscription_oid, table_oid, "
                         "range_number, range_count, range_condition, table_name, bytes_total) "
                         "VALUES ($1::pg_catalog.oid, $2::pg_catalog.oid, $3::int4, $4::int4, $5, "
                         "$6, $7::int8) RETURNING 1) SELECT pg_catalog.count(*) FROM r",
                         {Value(subscription_oid), Value(oids[i]), Value(std::to_string(range)),
                          Value(std::to_string(ranges.size())), Value(ranges[range]),
                          Value(names[i]), Value(std::to_string(size / ranges.size()))},
                         "cutting a table into ranges");
        // Its indexes are built once, by the last range: kept meanwhile on
        // range 0, so that a resumed copy still has them.
        for (const DeferredIndex &index :
             drop_deferrable_indexes(target, TableToCopy{oids[i], names[i], "", ""}))
            target.query("WITH r AS (UPDATE ivory.copy_task SET deferred_indexes = "
                         "COALESCE(deferred_indexes, '[]'::pg_catalog.jsonb) || "
                         "pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('create', "
                         "$3::pg_catalog.text, 'tablespace', $4::pg_catalog.text, 'restore', "
                         "$5::pg_catalog.text)) WHERE subscription_oid = $1::pg_catalog.oid "
                         "AND table_oid = $2::pg_catalog.oid AND range_number = 0 RETURNING 1) "
                         "SELECT pg_catalog.count(*) FROM r",
                         {Value(subscription_oid), Value(oids[i]), Value(index.create),
                          Value(index.tablespace), Value(index.restore)},
                         "recording the indexes to build after a table's ranges");
    }
    return plan;
}

// The indexes dropped for the copy of a table in ranges and not yet built.
std::vector<DeferredIndex> deferred_indexes_of(pg::LocalSession &target,
                                               const std::string &subscription_oid,
                                               const std::string &table_oid) {
    std::vector<DeferredIndex> indexes;
    for (const Row &row : target.query(
             "SELECT i.value->>'create', i.value->>'tablespace', i.value->>'restore' "
             "FROM ivory.copy_task t, pg_catalog.jsonb_array_elements(t.deferred_indexes) "
             "WITH ORDINALITY AS i(value, position) WHERE t.subscription_oid = "
             "$1::pg_catalog.oid AND t.table_oid = $2::pg_catalog.oid AND t.range_number = 0 "
             "ORDER BY i.position",
             {Value(subscription_oid), Value(table_oid)}, "reading the indexes to build"))
        indexes.push_back({"", text_of(row, 0), text_of(row, 1), text_of(row, 2)});
    return indexes;
}

// Builds the indexes of a table copied in ranges, once, and forgets them.
size_t build_deferred_indexes(pg::LocalSession &target, const std::string &subscription_oid,
                              const TableToCopy &table,
                              const std::function<void(const std::string &)> &report) {
    const size_t built = build_indexes(
        target, table, deferred_indexes_of(target, subscription_oid, table.oid), report);
    target.query("WITH r AS (UPDATE ivory.copy_task SET deferred_indexes = NULL WHERE "
                 "subscription_oid = $1::pg_catalog.oid AND table_oid = $2::pg_catalog.oid "
                 "AND range_number = 0 RETURNING 1) SELECT pg_catalog.count(*) FROM r",
                 {Value(subscription_oid), Value(table.oid)}, "recording a table's indexes built");
    return built;
}

// A table, or a range of one, that a worker has taken.
struct ClaimedTask {
    TableToCopy table;
    std::string range_number;
    long long range_count = 1;
};

// The largest table (or range) nobody copies yet, now taken by this worker.
std::optional<ClaimedTask> claim_next_table(pg::LocalSession &target,
                                            const std::string &subscription_oid, int round) {
    const Rows claimed = target.query(
        "WITH next AS (SELECT q.table_oid, q.range_number FROM ivory.copy_task q "
        "  WHERE q.subscription_oid = $1::pg_catalog.oid AND q.state = 'queued' "
        "  ORDER BY q.bytes_total DESC, q.table_name, q.range_number LIMIT 1 "
        "  FOR UPDATE SKIP LOCKED), "
        "claimed AS (UPDATE ivory.copy_task t SET state = 'copying', "
        "  worker_pid = pg_catalog.pg_backend_pid(), started_at = pg_catalog.now(), "
        "  round = $2::int4 FROM next "
        "  WHERE t.subscription_oid = $1::pg_catalog.oid AND t.table_oid = next.table_oid "
        "  AND t.range_number = next.range_number "
        "  RETURNING t.table_oid, t.range_number, t.range_count, t.range_condition) "
        "SELECT c.oid::pg_catalog.text, pg_catalog.format('%I.%I', n.nspname, c.relname), "
        "c.relowner::pg_catalog.text, claimed.range_number::pg_catalog.text, "
        "claimed.range_count::pg_catalog.text, claimed.range_condition FROM claimed "
        "JOIN pg_catalog.pg_class c ON c.oid = claimed.table_oid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
        {Value(subscription_oid), Value(std::to_string(round))}, "taking the next table to copy");
    if (claimed.empty())
        return std::nullopt;
    const Row &row = claimed.front();
    return ClaimedTask{
        TableToCopy{text_of(row, 0), text_of(row, 1), text_of(row, 2), text_of(row, 5)},
        text_of(row, 3), number_of(row.at(4))};
}

void record_task(pg::LocalSession &target, const std::string &subscription_oid,
                 const ClaimedTask &task, const std::string &assignments,
                 const std::vector<Value> &values) {
    std::vector<Value> parameters = {Value(subscription_oid), Value(task.table.oid),
                                     Value(task.range_number)};
    parameters.insert(parameters.end(), values.begin(), values.end());
    target.query("WITH t AS (UPDATE ivory.copy_task SET " + assignments +
                     ", finished_at = pg_catalog.now() WHERE subscription_oid = "
                     "$1::pg_catalog.oid AND table_oid = $2::pg_catalog.oid AND range_number = "
                     "$3::int4 RETURNING 1) SELECT pg_catalog.count(*) FROM t",
                 parameters, "recording a table's copy");
}

// Whether the table is whole once this task is done: a table in one piece
// is; of one in ranges, the last range to finish. Those finishing serialize
// on the first range's row, so that exactly one sees the others done.
bool table_complete_with(pg::LocalSession &target, const std::string &subscription_oid,
                         const ClaimedTask &task) {
    if (task.range_count <= 1)
        return true;
    target.query("SELECT 1 FROM ivory.copy_task WHERE subscription_oid = $1::pg_catalog.oid "
                 "AND table_oid = $2::pg_catalog.oid AND range_number = 0 FOR UPDATE",
                 {Value(subscription_oid), Value(task.table.oid)},
                 "waiting for the other ranges of the table to record themselves");
    return text_of(
               first_row(target.query("SELECT pg_catalog.count(*)::pg_catalog.text FROM "
                                      "ivory.copy_task WHERE subscription_oid = $1::pg_catalog.oid "
                                      "AND table_oid = $2::pg_catalog.oid AND range_number <> "
                                      "$3::int4 AND state <> 'done'",
                                      {Value(subscription_oid), Value(task.table.oid),
                                       Value(task.range_number)},
                                      "counting the table's ranges not done"),
                         "counting the table's ranges not done"),
               0) == "0";
}

void record_job(pg::LocalSession &target, const std::string &subscription_oid,
                const std::string &assignments, const std::vector<Value> &values = {}) {
    std::vector<Value> parameters = {Value(subscription_oid)};
    parameters.insert(parameters.end(), values.begin(), values.end());
    target.query("WITH j AS (UPDATE ivory.copy_job SET " + assignments +
                     " WHERE subscription_oid = $1::pg_catalog.oid RETURNING 1) "
                     "SELECT pg_catalog.count(*) FROM j",
                 parameters, "recording the initial copy's state");
}

std::string error_text(const ErrorFields &fields) {
    return fields.detail.empty() ? fields.message : fields.message + " (" + fields.detail + ")";
}

// The session of a worker: shown as the subscription's copy, with no
// timeout of the database's or role's cutting its work, and COPY's values
// read in the database's encoding.
void set_up_worker_session(const std::string &subscription_oid) {
    std::vector<SessionSetting> settings =
        unbounded_session_settings(pg::running_server_version_num());
    settings.push_back({"application_name", worker_application_name(subscription_oid)});
    pg::in_transaction([&] {
        pg::LocalSession target(false);
        target.query(set_config_query(settings), "setting up the worker's session");
        target.query("SELECT pg_catalog.set_config('client_encoding', "
                     "pg_catalog.getdatabaseencoding(), false)",
                     "setting up the worker's session");
    });
}

struct Round {
    std::string snapshot;
    std::string lsn;
    std::string conninfo;
    int round = 0;
};

Round read_round(const std::string &subscription_oid) {
    Round round;
    pg::in_transaction([&] {
        pg::LocalSession target(false);
        const Rows job =
            target.query("SELECT j.snapshot, j.snapshot_lsn::pg_catalog.text, s.subconninfo, "
                         "j.round::pg_catalog.text FROM ivory.copy_job j "
                         "JOIN pg_catalog.pg_subscription s ON s.oid = j.subscription_oid "
                         "WHERE j.subscription_oid = $1::pg_catalog.oid",
                         {Value(subscription_oid)}, "reading the initial copy's snapshot");
        const Row &row = first_row(job, "reading the initial copy's snapshot");
        round = {text_of(row, 0), text_of(row, 1), text_of(row, 2),
                 static_cast<int>(number_of(row.at(3)))};
    });
    return round;
}

// Copies tables, one transaction each, until none is left or one fails
// (recorded in its task; this worker then ends, the others go on).
void copy_tables(const std::string &subscription_oid, const Round &round) {
    // Connections are made in a transaction: the privilege rules they check
    // read the catalogs. They outlive it.
    std::optional<remote::Connection> source;
    try {
        pg::in_transaction([&] {
            source.emplace(round.conninfo);
            import_snapshot(*source, round.snapshot);
        });
    } catch (...) {
        const ErrorFields fields = pg::current_error_fields();
        pg::in_transaction([&] {
            pg::LocalSession target(false);
            record_job(target, subscription_oid, "error = $2",
                       {Value("a worker could not take the snapshot: " + error_text(fields))});
        });
        return;
    }
    const auto report = [](const std::string &step) { pg::report_activity(step); };
    for (;;) {
        std::optional<ClaimedTask> task;
        pg::in_transaction([&] {
            pg::LocalSession target(false);
            task = claim_next_table(target, subscription_oid, round.round);
        });
        if (!task)
            break;
        try {
            pg::in_transaction([&] {
                pg::LocalSession target(false);
                const TableCopy copied =
                    copy_table_with_deferred_indexes(target, *source, task->table, report);
                record_task(target, subscription_oid, *task,
                            "state = 'done', rows_copied = $4::int8, copied_binary = "
                            "$5::pg_catalog.bool, indexes_built = $6::int4",
                            {Value(std::to_string(copied.rows)),
                             Value(copied.binary ? "true" : "false"),
                             Value(std::to_string(copied.indexes_built_after))});
                if (!table_complete_with(target, subscription_oid, *task))
                    return;
                if (task->range_count > 1)
                    record_task(target, subscription_oid, *task, "indexes_built = $4::int4",
                                {Value(std::to_string(build_deferred_indexes(
                                    target, subscription_oid, task->table, report)))});
                pg::mark_subscription_table_synchronized(subscription_oid, task->table.oid,
                                                         round.lsn);
            });
        } catch (...) {
            const ErrorFields fields = pg::current_error_fields();
            pg::in_transaction([&] {
                pg::LocalSession target(false);
                record_task(target, subscription_oid, *task, "state = 'failed', error = $4",
                            {Value(error_text(fields))});
            });
            return;
        }
    }
    pg::report_activity("done");
    source->query("COMMIT", "ending the copy");
}

// Once every worker has ended: the subscription enabled if every table is
// copied, or the copy marked failed with the first table's error.
void finish_job(const std::string &subscription_oid, const std::string &subscription_name) {
    pg::in_transaction([&] {
        pg::LocalSession target(false);
        const Rows counts =
            target.query("SELECT (pg_catalog.count(*) FILTER (WHERE state <> 'done'))"
                         "::pg_catalog.text, pg_catalog.min(table_name || ': ' || error) "
                         "FILTER (WHERE state = 'failed'), "
                         "(SELECT error FROM ivory.copy_job WHERE subscription_oid = "
                         "$1::pg_catalog.oid) FROM ivory.copy_task "
                         "WHERE subscription_oid = $1::pg_catalog.oid",
                         {Value(subscription_oid)}, "counting the tables not copied");
        const Row &left = first_row(counts, "counting the tables not copied");
        const long long not_done = number_of(left.at(0));
        if (not_done == 0) {
            target.execute("ALTER SUBSCRIPTION " + sql_identifier(subscription_name) + " ENABLE");
            record_job(target, subscription_oid, "state = 'done', finished_at = pg_catalog.now()");
            return;
        }
        const std::string error =
            left.at(1) ? *left.at(1)
                       : value_or(left.at(2), std::to_string(not_done) + " table(s) not copied");
        record_job(target, subscription_oid,
                   "state = 'failed', error = $2, finished_at = pg_catalog.now()", {Value(error)});
    });
}

std::string system_identifier() {
    std::string identifier;
    pg::in_transaction([&] {
        pg::LocalSession target(false);
        identifier = target_system_identifier(target);
    });
    return identifier;
}

// Unique per target, subscription and round: the slot of an interrupted
// round may linger on the source until it notices its connection is gone.
std::string temporary_slot_name(const std::string &subscription_oid, int round) {
    return "ivory_copy_" + system_identifier() + "_" + subscription_oid + "_" +
           std::to_string(round);
}

void coordinate(const pg::WorkerArguments &arguments, const std::string &subscription_oid) {
    JobPlan plan;
    pg::in_transaction([&] {
        pg::LocalSession target(false);
        plan = prepare_job(target, subscription_oid, arguments.jobs, arguments.split_bytes);
    });
    if (plan.round == 0)
        return;
    // The snapshot stays importable while this connection stays open and
    // idle: until every worker has ended.
    const std::string slot = temporary_slot_name(subscription_oid, plan.round);
    std::optional<remote::Connection> exporter;
    pg::in_transaction([&] {
        exporter.emplace(conninfo_without(plan.conninfo, "replication") + " replication=database");
        const ExportedSnapshot snapshot = export_snapshot(*exporter, slot);
        pg::LocalSession target(false);
        record_job(target, subscription_oid,
                   "state = 'copying', snapshot = $2, snapshot_lsn = $3::pg_catalog.pg_lsn",
                   {Value(snapshot.name), Value(snapshot.lsn)});
    });
    std::vector<pg::LaunchedWorker> helpers;
    for (int number = 1; number < arguments.jobs; ++number) {
        pg::WorkerArguments helper = arguments;
        helper.worker_number = static_cast<unsigned int>(number);
        helper.wait_for_transaction = 0;
        std::optional<pg::LaunchedWorker> launched = pg::launch_worker(
            worker_function,
            "ivory copy worker " + std::to_string(number) + " of subscription " + subscription_oid,
            helper);
        if (!launched)
            break; // no slot free: fewer workers
        helpers.push_back(*launched);
    }
    copy_tables(subscription_oid, read_round(subscription_oid));
    for (pg::LaunchedWorker &helper : helpers)
        helper.wait_for_end();
    finish_job(subscription_oid, plan.subscription_name);
}

} // namespace

std::optional<CopyProgress> copy_progress(pg::LocalSession &target,
                                          const std::string &subscription_oid) {
    if (!copy_tables_installed(target))
        return std::nullopt;
    // Whether the coordinator runs is asked before its state is read: it
    // commits its last state before it lets go of its lock, so a state read
    // after the lock was seen gone is final. (Read the other way round, a
    // coordinator that ends in between looks stopped midway.)
    const bool running = coordinator_pid(target, subscription_oid).has_value();
    const Rows job = target.query(
        "SELECT state, jobs::pg_catalog.text, round::pg_catalog.text, coalesce(error, ''), "
        "pg_catalog.round(EXTRACT(epoch FROM coalesce(finished_at, pg_catalog.now()) - "
        "started_at))::pg_catalog.text FROM ivory.copy_job "
        "WHERE subscription_oid = $1::pg_catalog.oid",
        {Value(subscription_oid)}, "reading the initial copy");
    if (job.empty()) {
        // A first round's coordinator that has not committed its plan yet.
        if (!running)
            return std::nullopt;
        CopyProgress planning;
        planning.state = "starting";
        planning.round = 1;
        planning.running = true;
        planning.workers_running = static_cast<int>(worker_pids(target, subscription_oid).size());
        return planning;
    }
    const Row &row = job.front();
    CopyProgress progress;
    progress.state = text_of(row, 0);
    progress.jobs = static_cast<int>(number_of(row.at(1)));
    progress.round = static_cast<int>(number_of(row.at(2)));
    progress.error = text_of(row, 3);
    progress.seconds = number_of(row.at(4));
    progress.running = running;
    progress.workers_running = static_cast<int>(worker_pids(target, subscription_oid).size());
    for (const Row &task :
         // A table in ranges: copying while any range is taken or done,
         // its bytes those of its ranges done and being copied.
         target.query("SELECT t.table_name, CASE "
                      "WHEN pg_catalog.bool_or(t.state = 'failed') THEN 'failed' "
                      "WHEN pg_catalog.bool_and(t.state = 'done') THEN 'done' "
                      "WHEN pg_catalog.bool_or(t.state IN ('copying', 'done')) THEN 'copying' "
                      "ELSE 'queued' END, pg_catalog.sum(t.bytes_total)::pg_catalog.text, "
                      "pg_catalog.sum(CASE WHEN t.state = 'done' AND t.range_count > 1 "
                      "THEN t.bytes_total ELSE p.bytes_processed END)::pg_catalog.text, "
                      "pg_catalog.sum(CASE WHEN t.state = 'done' THEN t.rows_copied "
                      "ELSE p.tuples_processed END)::pg_catalog.text, "
                      "coalesce(pg_catalog.string_agg(a.query, '; '), ''), "
                      "coalesce(pg_catalog.string_agg(t.error, '; '), ''), "
                      "pg_catalog.count(*)::pg_catalog.text, "
                      "(pg_catalog.count(*) FILTER (WHERE t.state = 'done'))::pg_catalog.text, "
                      "EXTRACT(epoch FROM pg_catalog.now() - pg_catalog.min(t.started_at) "
                      "FILTER (WHERE t.state IN ('copying', 'done')))::pg_catalog.text "
                      "FROM ivory.copy_task t "
                      "LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = t.worker_pid "
                      "AND a.backend_type = 'ivory copy' AND t.state = 'copying' "
                      "LEFT JOIN pg_catalog.pg_stat_progress_copy p ON p.pid = a.pid "
                      "AND p.relid = t.table_oid "
                      "WHERE t.subscription_oid = $1::pg_catalog.oid "
                      "GROUP BY t.table_oid, t.table_name ORDER BY t.table_name",
                      {Value(subscription_oid)}, "reading the initial copy's tables")) {
        CopyTaskProgress table;
        table.table = text_of(task, 0);
        table.state = text_of(task, 1);
        table.bytes_total = number_of(task.at(2));
        if (task.at(3))
            table.bytes_copied = number_of(task.at(3));
        if (task.at(4))
            table.rows = number_of(task.at(4));
        table.activity = text_of(task, 5);
        table.error = text_of(task, 6);
        table.ranges = static_cast<int>(number_of(task.at(7)));
        table.ranges_done = static_cast<int>(number_of(task.at(8)));
        if (task.at(9))
            table.seconds = std::stod(*task.at(9));
        progress.tasks.push_back(std::move(table));
    }
    return progress;
}

std::string finished_copy_summary(pg::LocalSession &target, const std::string &subscription_oid) {
    const Rows sums =
        target.query("SELECT pg_catalog.count(DISTINCT table_oid)::pg_catalog.text, "
                     "(pg_catalog.count(DISTINCT table_oid) FILTER (WHERE copied_binary))"
                     "::pg_catalog.text, "
                     "coalesce(pg_catalog.sum(rows_copied), 0)::pg_catalog.text, "
                     "coalesce(pg_catalog.sum(indexes_built), 0)::pg_catalog.text, "
                     "(SELECT jobs::pg_catalog.text FROM ivory.copy_job "
                     " WHERE subscription_oid = $1::pg_catalog.oid) "
                     "FROM ivory.copy_task WHERE subscription_oid = $1::pg_catalog.oid",
                     {Value(subscription_oid)}, "summing up the initial copy");
    const Row &row = first_row(sums, "summing up the initial copy");
    return text_of(row, 0) + " table(s) (" + text_of(row, 1) + " in binary format), " +
           text_of(row, 2) + " row(s), " + text_of(row, 3) +
           " index(es) and key(s) built after the data, by " + text_of(row, 4) + " worker(s)";
}

bool copy_pending(pg::LocalSession &target, const Subscription &subscription) {
    if (const std::optional<CopyProgress> progress = copy_progress(target, subscription.oid))
        return progress->state != "done";
    return subscription.slot_name && all_tables_await_copy(target, subscription.oid);
}

std::string start_copy(pg::LocalSession &target, const Subscription &subscription,
                       std::optional<int> jobs, long long split_bytes, bool wait) {
    if (!copy_tables_installed(target))
        throw Error("55000", "ivory's initial copy needs version 0.4.0 of the extension",
                    "This database has an older version of the extension ivory.",
                    "Run ALTER EXTENSION ivory UPDATE, or start with native_copy => true "
                    "(ivory replication start --native-copy).");
    // Waiting reads the workers' progress as they commit it: a snapshot
    // kept for the whole transaction would never see it.
    if (wait && !pg::in_read_committed_transaction())
        throw Error("25000", "wait => true needs a READ COMMITTED transaction",
                    "In a REPEATABLE READ or SERIALIZABLE transaction the copy's progress "
                    "stays invisible.",
                    "Call it outside such a transaction, or start without wait and follow "
                    "ivory.replication_status().");
    if (coordinator_pid(target, subscription.oid)) {
        if (wait)
            wait_for_copy(target, subscription);
        return wait ? "initial copy done: " + finished_copy_summary(target, subscription.oid)
                    : "initial copy already running";
    }
    pg::WorkerArguments arguments = pg::arguments_for_this_session();
    arguments.subscription_oid = static_cast<unsigned int>(std::stoul(subscription.oid));
    arguments.jobs = jobs ? *jobs : default_jobs(target);
    arguments.split_bytes = split_bytes;
    // Without waiting, the copy begins once this transaction commits (and
    // sees what it did); waiting, it cannot, so it begins at once.
    arguments.wait_for_transaction = wait ? 0 : pg::this_transaction_id();
    std::optional<pg::LaunchedWorker> coordinator =
        pg::launch_worker(coordinator_function,
                          "ivory copy coordinator of subscription " + subscription.oid, arguments);
    if (!coordinator)
        throw Error("53400", "no background worker slot is free for ivory's initial copy",
                    "Every slot of max_worker_processes is in use.",
                    "Raise max_worker_processes (a restart), or start with native_copy => "
                    "true.");
    const std::optional<int> pid = coordinator->wait_for_start();
    if (!pid)
        throw Error(sqlstate::internal, "the initial copy's coordinator did not start", "",
                    "See the server's log.");
    // Once it holds its lock, status and a second start see the copy (a
    // coordinator that finds another one holding it ends at once).
    for (long waited = 0;; waited += poll_milliseconds) {
        if (coordinator_pid(target, subscription.oid))
            break;
        // Ended already: it found the lock taken, or did the work, or failed.
        const bool alive = coordinator->running();
        if (!alive && copy_progress(target, subscription.oid))
            break;
        if (!alive || waited >= coordinator_start_milliseconds)
            throw Error(sqlstate::internal,
                        alive ? "the initial copy's coordinator did not get going"
                              : "the initial copy's coordinator ended at once",
                        "", "See the server's log.");
        pg::sleep_interruptibly(poll_milliseconds);
    }
    if (!wait)
        return "initial copy started in the background by " + std::to_string(arguments.jobs) +
               " worker(s); 'ivory replication status' shows its progress";
    wait_for_copy(target, subscription);
    return "initial copy done: " + finished_copy_summary(target, subscription.oid);
}

void require_valid_jobs(std::optional<int> jobs) {
    if (jobs)
        require_between("jobs", *jobs, 1, max_copy_jobs);
}

bool pause_copy(pg::LocalSession &target, const std::string &subscription_oid) {
    const std::optional<CopyProgress> progress = copy_progress(target, subscription_oid);
    if (!progress || progress->state == "done" || progress->state == "paused")
        return false;
    terminate_workers(target, subscription_oid);
    record_job(target, subscription_oid, "state = 'paused', finished_at = pg_catalog.now()");
    return true;
}

bool cancel_copy(pg::LocalSession &target, const std::string &subscription_oid) {
    if (!copy_tables_installed(target))
        return false;
    terminate_workers(target, subscription_oid);
    // A table copied in part in ranges has its rows of the finished ranges
    // and none of its indexes: it is left as a table whose copy was undone
    // is, empty with its indexes (unless dropped or replaced meanwhile).
    for (const Row &row :
         target.query("SELECT table_oid::pg_catalog.text, table_name FROM ivory.copy_task "
                      "WHERE subscription_oid = $1::pg_catalog.oid AND range_number = 0 "
                      "AND deferred_indexes IS NOT NULL "
                      "AND pg_catalog.to_regclass(table_name) = table_oid::pg_catalog.regclass",
                      {Value(subscription_oid)}, "looking for tables copied in part")) {
        const TableToCopy table{text_of(row, 0), text_of(row, 1), "", ""};
        target.execute("TRUNCATE ONLY " + table.name);
        build_deferred_indexes(target, subscription_oid, table, [](const std::string &) {});
    }
    return !target
                .query("WITH gone AS (DELETE FROM ivory.copy_job WHERE subscription_oid = "
                       "$1::pg_catalog.oid RETURNING state) SELECT 1 FROM gone "
                       "WHERE state <> 'done'",
                       {Value(subscription_oid)}, "forgetting the initial copy")
                .empty();
}

std::string copy_slots_condition(const std::string &subscription_oid,
                                 const std::string &target_system_identifier) {
    return "slot_name LIKE " + quote_literal("ivory\\_copy\\_" + target_system_identifier + "\\_" +
                                             subscription_oid + "\\_%");
}

void run_copy_coordinator(const pg::WorkerArguments &arguments) {
    const std::string subscription_oid = std::to_string(arguments.subscription_oid);
    set_up_worker_session(subscription_oid);
    bool locked = false;
    pg::in_transaction([&] {
        pg::LocalSession target(false);
        locked = text_of(first_row(target.query("SELECT pg_catalog.pg_try_advisory_lock(" +
                                                    copy_lock_key("$1") + ")::pg_catalog.text",
                                                {Value(subscription_oid)},
                                                "taking the initial copy's lock"),
                                   "taking the initial copy's lock"),
                         0) == "true";
    });
    if (!locked)
        return; // another coordinator runs the copy
    if (arguments.wait_for_transaction &&
        !pg::wait_for_transaction_end(arguments.wait_for_transaction))
        return; // the start was rolled back
    try {
        coordinate(arguments, subscription_oid);
    } catch (...) {
        const ErrorFields fields = pg::current_error_fields();
        // Recorded even when it failed before its plan was: status and a
        // start that waits then tell why.
        pg::in_transaction([&] {
            pg::LocalSession target(false);
            target.query("INSERT INTO ivory.copy_job (subscription_oid, state, jobs, round, "
                         "error, finished_at) VALUES ($1::pg_catalog.oid, 'failed', $3::int4, 1, "
                         "$2, pg_catalog.now()) ON CONFLICT (subscription_oid) DO UPDATE SET "
                         "state = 'failed', error = EXCLUDED.error, finished_at = "
                         "EXCLUDED.finished_at RETURNING 1",
                         {Value(subscription_oid), Value(error_text(fields)),
                          Value(std::to_string(arguments.jobs))},
                         "recording the initial copy's failure");
        });
        throw Error(fields);
    }
}

void run_copy_worker(const pg::WorkerArguments &arguments) {
    const std::string subscription_oid = std::to_string(arguments.subscription_oid);
    set_up_worker_session(subscription_oid);
    copy_tables(subscription_oid, read_round(subscription_oid));
}

} // namespace ivory
