// Background workers of the extension: launched from a session with
// RegisterDynamicBackgroundWorker (no shared_preload_libraries needed), and
// the frame a worker's main function runs its C++ work in.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "../core/error.hpp"

namespace ivory::pg {

// What a worker is told at launch (copied into bgw_extra): whom to connect
// as, and numbers of the work's own.
struct WorkerArguments {
    unsigned int database_oid = 0;
    unsigned int role_oid = 0;
    unsigned int subscription_oid = 0;
    unsigned int worker_number = 0;
    // A transaction to wait for before the work starts (the launching
    // session's, so that the work sees what it committed); 0 for none.
    unsigned int wait_for_transaction = 0;
    int jobs = 0;
    long long split_bytes = 0; // tables larger than this are copied in ranges
    // A name the work is about (the way back's publication), NUL-terminated.
    char name[64] = {};
};

// The arguments for a worker in this session's database, as its current role.
WorkerArguments arguments_for_this_session();

// The top transaction's ID, assigned now if it has none.
unsigned int this_transaction_id();

// A worker launched by this backend.
class LaunchedWorker {
  public:
    explicit LaunchedWorker(void *handle) : handle_(handle) {}
    // Blocks until the worker has started: its pid, or nullopt when it ended
    // already or could not start.
    std::optional<int> wait_for_start();
    // Whether it has started and not ended yet.
    bool running() const;
    // Blocks until the worker has ended (interrupts are served meanwhile).
    void wait_for_end();

  private:
    void *handle_;
};

// Launches `function` of ivory's library as a dynamic background worker of
// type `type` named `name`, never restarted; nullopt when every slot of
// max_worker_processes is taken.
std::optional<LaunchedWorker> launch_worker(const std::string &function, const std::string &name,
                                            const WorkerArguments &arguments,
                                            const std::string &type = "ivory copy");

// In a worker's main function, first: SIGTERM ends it, it connects to its
// database as its role, and returns the arguments it was launched with.
WorkerArguments start_worker(unsigned long main_argument);

// Waits until the transaction has ended; whether it committed.
bool wait_for_transaction_end(unsigned int transaction_id);

// In a worker: runs `work` in a transaction of its own with a snapshot,
// committed when it returns. On an exception the transaction is aborted and
// the error rethrown as an ivory::Error (a server error's data lives in the
// transaction's memory, gone with the abort).
void in_transaction(const std::function<void()> &work);

// Shows `activity` as the worker's query in pg_stat_activity.
void report_activity(const std::string &activity);

// The fields of the exception being handled, whatever its type.
ErrorFields current_error_fields() noexcept;

} // namespace ivory::pg
