#include <string>
#include <vector>

#include "undo_on_abort.hpp"

#include "../pg/guard.hpp"
#include "connection.hpp"

extern "C" {
#include "access/xact.h"
}

namespace ivory::remote {

namespace {

// How long each undo may take, connecting and running its statement together,
// by the wall clock: the backend cannot be cancelled while it aborts, and a
// source that keeps sending notices never falls silent.
constexpr long cleanup_deadline_ms = 5000;

struct Undo {
    std::string conninfo;
    std::string statement;
    SubTransactionId subtransaction;
};

// Process-wide, like the transaction itself.
std::vector<Undo> pending;
bool callbacks_registered = false;

// Runs the undos registered at or below `subtransaction` (all when
// InvalidSubTransactionId), newest first, and forgets them. Never throws.
void run_undos(SubTransactionId subtransaction) noexcept {
    std::vector<Undo> to_run;
    std::vector<Undo> kept;
    for (Undo &undo : pending)
        (subtransaction == InvalidSubTransactionId || undo.subtransaction >= subtransaction ? to_run
                                                                                            : kept)
            .push_back(std::move(undo));
    pending = std::move(kept);
    for (auto undo = to_run.rbegin(); undo != to_run.rend(); ++undo) {
        try {
            Connection source(undo->conninfo, {false, cleanup_deadline_ms});
            source.query(undo->statement, "undoing what the aborted transaction created");
        } catch (...) {
            // Best effort: the source is gone or refuses; replication_drop
            // removes what is left.
        }
    }
}

void on_transaction_event(XactEvent event, void *) {
    switch (event) {
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
        run_undos(InvalidSubTransactionId);
        break;
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_PREPARE:
        pending.clear();
        break;
    default:
        break;
    }
}

void on_subtransaction_event(SubXactEvent event, SubTransactionId subtransaction,
                             SubTransactionId parent, void *) {
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        run_undos(subtransaction);
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        // What a committed subtransaction created now belongs to its parent.
        for (Undo &undo : pending)
            if (undo.subtransaction == subtransaction)
                undo.subtransaction = parent;
    }
}

} // namespace

void undo_on_abort(const std::string &conninfo, const std::string &statement) {
    if (!callbacks_registered) {
        pg::guarded([] {
            RegisterXactCallback(on_transaction_event, nullptr);
            RegisterSubXactCallback(on_subtransaction_event, nullptr);
        });
        callbacks_registered = true;
    }
    const SubTransactionId current = pg::guarded([] { return GetCurrentSubTransactionId(); });
    pending.push_back({conninfo, statement, current});
}

} // namespace ivory::remote
