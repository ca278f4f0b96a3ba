#include <functional>

#include "subtransaction.hpp"

#include "guard.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace ivory::pg {

void in_subtransaction(const std::function<void()> &work) {
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
    guarded([caller_context, caller_owner] {
        ReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_context);
        CurrentResourceOwner = caller_owner;
    });
}

} // namespace ivory::pg
