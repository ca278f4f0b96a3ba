// An internal subtransaction around C++ work, as a PL/pgSQL block with an
// EXCEPTION clause has one: when the work fails, what it did is rolled back
// and the caller's transaction goes on.
#pragma once

#include <functional>

namespace ivory::pg {

// Runs `work` in a subtransaction; when it throws, the subtransaction is
// rolled back and the exception rethrown (a PgError's data lives in the
// top transaction's memory, so it outlives the rollback).
void in_subtransaction(const std::function<void()> &work);

// The same, but what `work` did is rolled back also when it succeeds.
void in_subtransaction_rolled_back(const std::function<void()> &work);

} // namespace ivory::pg
