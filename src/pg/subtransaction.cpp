#include <functional>

#include "subtransaction.hpp"

#include "guard.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace ivory::pg {

namespace {

void run_in_subtransaction(const std::function<void()> &work, bool keep) {
    const MemoryContext caller_context = CurrentMemoryContext;
    const ResourceOwner caller_owner = CurrentResourceOwner;
    // The work allocates where the caller does (SPI's context), not in the
    // subtransaction's own memory.
    guarded([caller_context] {
        BeginInternalSubTransaction(nullptr);
        MemoryContextSwitchTo(caller_context);
    });
    try {
        work();
    } catch (...) {
        guarded([caller_context, caller_owner] {
            RollbackAndReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(caller_context);
            CurrentResourceOwner = caller_owner;
        });
        throw;
    }
    guarded([caller_context, caller_owner, keep] {
        if (keep)
            ReleaseCurrentSubTransaction();
        else
            RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_context);
        CurrentResourceOwner = caller_owner;
    });
}

} // namespace

void in_subtransaction(const std::function<void()> &work) {
    run_in_subtransaction(work, true);
}

void in_subtransaction_rolled_back(const std::function<void()> &work) {
    run_in_subtransaction(work, false);
}

} // namespace ivory::pg
