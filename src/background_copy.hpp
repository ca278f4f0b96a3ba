// ivory's initial copy in background workers of the extension: replication
// start hands it to a coordinator, which exports a snapshot of the source
// and starts further workers; each takes the largest table not yet taken and
// copies it in a transaction of its own, so that what is finished stays
// finished. The state lives in ivory.copy_job and ivory.copy_task.
//
// Each copied table is marked synchronized at the snapshot's position, as a
// table-sync worker leaves a table: the apply worker, enabled once every
// table is copied, skips what the copy had and applies what came after. A
// copy interrupted (stop, a crash, a failed table) is resumed by the next
// start in a new snapshot: the tables already copied keep theirs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/results.hpp"
#include "pg/background_worker.hpp"
#include "pg/spi.hpp"
#include "subscription.hpp"

namespace ivory {

// One table of a copy, as ivory.copy_task and the workers copying it tell.
struct CopyTaskProgress {
    std::string table; // schema.table, quoted
    std::string state; // queued, copying, done, failed
    long long bytes_total = 0;
    std::optional<long long> bytes_copied; // while a worker copies it
    std::optional<long long> rows;         // copied so far
    std::optional<double> seconds;         // since its first range was taken
    std::string activity;                  // the worker's step: "building index 1 of 2 of ..."
    std::string error;                     // when failed
    int ranges = 1;                        // copied in this many ranges
    int ranges_done = 0;
};

struct CopyProgress {
    std::string state; // starting, copying, paused, failed, done
    int jobs = 0;
    int round = 0;
    bool running = false; // its coordinator is alive
    int workers_running = 0;
    long long seconds = 0; // since the copy (or its resumption) started
    std::string error;
    std::vector<CopyTaskProgress> tasks;
};

// The subscription's copy, if ivory's copy was ever started for it.
std::optional<CopyProgress> copy_progress(pg::LocalSession &target,
                                          const std::string &subscription_oid);

// What a finished copy did: "7 table(s) (7 in binary format), 29734 row(s),
// 9 index(es) and key(s) built after the data, by 2 worker(s)".
std::string finished_copy_summary(pg::LocalSession &target, const std::string &subscription_oid);

// Whether ivory's copy of the subscription is to be started or resumed by
// replication start: a copy not done, or none yet with every table waiting.
bool copy_pending(pg::LocalSession &target, const Subscription &subscription);

// The most workers one copy may have.
inline constexpr int max_copy_jobs = 64;

// An error unless `jobs` is none or 1 to max_copy_jobs.
void require_valid_jobs(std::optional<int> jobs);

// Starts (or resumes) the copy in background workers: `jobs` of them (none:
// what the machine and the free worker slots allow, at most 4), tables larger
// than `split_bytes` cut into ranges copied at once. Returns once
// the coordinator runs; with `wait`, once the copy is done and every table
// ready. Without `wait` the copy begins when the caller's transaction
// commits, and not at all if it rolls back. The words of what it did.
std::string start_copy(pg::LocalSession &target, const Subscription &subscription,
                       std::optional<int> jobs, long long split_bytes, bool wait);

// Stops the copy's workers (what they were copying is rolled back) and
// marks it paused; false when none ran.
bool pause_copy(pg::LocalSession &target, const std::string &subscription_oid);

// Stops the copy's workers and forgets the copy; false when there was none
// or it was done.
bool cancel_copy(pg::LocalSession &target, const std::string &subscription_oid);

// The condition on the source's pg_replication_slots for the copies'
// temporary slots of the subscription.
std::string copy_slots_condition(const std::string &subscription_oid,
                                 const std::string &target_system_identifier);

// The work of the two kinds of worker (copy_workers.cpp starts them).
void run_copy_coordinator(const pg::WorkerArguments &arguments);
void run_copy_worker(const pg::WorkerArguments &arguments);

} // namespace ivory
