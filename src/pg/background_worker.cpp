#include <cstring>
#include <optional>
#include <string>

#include "background_worker.hpp"

#include "guard.hpp"

extern "C" {
#include "access/transam.h"
#include "access/xact.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
}

namespace ivory::pg {

static_assert(sizeof(WorkerArguments) <= BGW_EXTRALEN, "the arguments fit in bgw_extra");

namespace {

void copy_name(char *into, size_t size, const std::string &name) {
    std::strncpy(into, name.c_str(), size - 1);
    into[size - 1] = '\0';
}

} // namespace

WorkerArguments arguments_for_this_session() {
    WorkerArguments arguments;
    arguments.database_oid = MyDatabaseId;
    arguments.role_oid = guarded([] { return GetUserId(); });
    return arguments;
}

unsigned int this_transaction_id() {
    return guarded([] { return GetTopTransactionId(); });
}

std::optional<LaunchedWorker> launch_worker(const std::string &function, const std::string &name,
                                            const WorkerArguments &arguments,
                                            const std::string &type) {
    BackgroundWorker worker;
    std::memset(&worker, 0, sizeof worker);
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    copy_name(worker.bgw_library_name, sizeof worker.bgw_library_name, "ivory");
    copy_name(worker.bgw_function_name, sizeof worker.bgw_function_name, function);
    copy_name(worker.bgw_name, sizeof worker.bgw_name, name);
    copy_name(worker.bgw_type, sizeof worker.bgw_type, type);
    std::memcpy(worker.bgw_extra, &arguments, sizeof arguments);
    worker.bgw_notify_pid = MyProcPid;
    BackgroundWorker *const description = &worker;
    BackgroundWorkerHandle *handle = nullptr;
    BackgroundWorkerHandle **const out = &handle;
    if (!guarded([description, out] { return RegisterDynamicBackgroundWorker(description, out); }))
        return std::nullopt;
    return LaunchedWorker(handle);
}

std::optional<int> LaunchedWorker::wait_for_start() {
    auto *const handle = static_cast<BackgroundWorkerHandle *>(handle_);
    pid_t pid = 0;
    pid_t *const out = &pid;
    const BgwHandleStatus status =
        guarded([handle, out] { return WaitForBackgroundWorkerStartup(handle, out); });
    if (status != BGWH_STARTED)
        return std::nullopt;
    return static_cast<int>(pid);
}

bool LaunchedWorker::running() const {
    auto *const handle = static_cast<BackgroundWorkerHandle *>(handle_);
    pid_t pid = 0;
    pid_t *const out = &pid;
    return guarded([handle, out] { return GetBackgroundWorkerPid(handle, out); }) == BGWH_STARTED;
}

void LaunchedWorker::wait_for_end() {
    auto *const handle = static_cast<BackgroundWorkerHandle *>(handle_);
    guarded([handle] { WaitForBackgroundWorkerShutdown(handle); });
}

WorkerArguments start_worker(unsigned long main_argument) {
    (void)main_argument;
    WorkerArguments arguments;
    std::memcpy(&arguments, MyBgworkerEntry->bgw_extra, sizeof arguments);
    const Oid database = arguments.database_oid;
    const Oid role = arguments.role_oid;
    guarded([database, role] {
        pqsignal(SIGTERM, die);
        BackgroundWorkerUnblockSignals();
        BackgroundWorkerInitializeConnectionByOid(database, role, 0);
    });
    return arguments;
}

bool wait_for_transaction_end(unsigned int transaction_id) {
    const TransactionId xid = transaction_id;
    bool committed = false;
    in_transaction([xid, &committed] {
        bool *const out = &committed;
        guarded([xid, out] {
            XactLockTableWait(xid, nullptr, nullptr, XLTW_None);
            *out = TransactionIdDidCommit(xid);
        });
    });
    return committed;
}

void in_transaction(const std::function<void()> &work) {
    guarded([] {
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        PushActiveSnapshot(GetTransactionSnapshot());
    });
    try {
        work();
    } catch (...) {
        const ErrorFields fields = current_error_fields();
        guarded([] { AbortCurrentTransaction(); });
        throw Error(fields);
    }
    guarded([] {
        if (ActiveSnapshotSet())
            PopActiveSnapshot();
        CommitTransactionCommand();
    });
}

void report_activity(const std::string &activity) {
    const char *const text = activity.c_str();
    guarded([text] { pgstat_report_activity(STATE_RUNNING, text); });
}

ErrorFields current_error_fields() noexcept {
    ErrorFields fields;
    try {
        try {
            throw;
        } catch (const PgError &error) {
            const ErrorData *data = error.data();
            fields.sqlstate = error.sqlstate();
            if (data) {
                fields.message = data->message ? data->message : "";
                fields.detail = data->detail ? data->detail : "";
                fields.hint = data->hint ? data->hint : "";
                fields.context = data->context ? data->context : "";
            }
        } catch (const Error &error) {
            fields = error.fields();
        } catch (const std::exception &error) {
            fields.message = error.what();
        } catch (...) {
            fields.message = "ivory internal error";
        }
    } catch (...) {
        fields = ErrorFields{};
    }
    return fields;
}

} // namespace ivory::pg
