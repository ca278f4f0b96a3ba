// Making this database read-only for new sessions at once, from inside a
// function. ALTER DATABASE ... SET is transactional: run by the caller, it
// would take effect only when the caller commits, and the sessions that
// reconnect meanwhile would write. A background worker commits it in a
// transaction of its own while the caller waits (switchback locks the new
// primary this way before it ends the other sessions).
#pragma once

#include "pg/background_worker.hpp"
#include "pg/spi.hpp"

namespace ivory {

// An error unless this role owns this database and may end every other
// session of it: what locking it takes.
void require_may_lock_this_database(pg::LocalSession &session);

// default_transaction_read_only = on for this database, committed when this
// returns; an error when the worker could not do it (the server's log says
// why). The caller must own the database (require_may_lock_this_database).
void make_this_database_read_only();

// The worker's work (its entry point is in copy_workers.cpp).
void run_database_lock(const pg::WorkerArguments &arguments);

} // namespace ivory
