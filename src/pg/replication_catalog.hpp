// The few server internals the replication lifecycle needs beyond SQL.
#pragma once

#include <string>

namespace ivory::pg {

// Registers a table of a subscription in state 'i' (initializing), as
// ALTER SUBSCRIPTION ... REFRESH PUBLICATION does, so that a table-sync worker
// copies it once the subscription is enabled. Oids as text.
void add_subscription_table(const std::string &subscription_oid, const std::string &table_oid);

// Registers a table of a subscription as ready ('r'): a table the apply
// worker made itself (a recorded CREATE TABLE), empty at that point of the
// stream, whose rows all come after it.
void add_ready_subscription_table(const std::string &subscription_oid,
                                  const std::string &table_oid);

// Marks a registered table of a subscription synchronized ('s') at `lsn`, as
// a table-sync worker leaves it once its copy caught up: the apply worker
// applies the table's changes committed after `lsn` (skipping those the
// copy had), marks it ready once it has passed `lsn`, and starts no
// table-sync worker for it.
void mark_subscription_table_synchronized(const std::string &subscription_oid,
                                          const std::string &table_oid, const std::string &lsn);

// Flushes this server's WAL up to `lsn`, the end of a record written here:
// under synchronous_commit = off it may stay in memory a while, and no WAL
// sender sends it until then.
void flush_wal_to(const std::string &lsn);

// A password from the server's strong random source.
std::string random_password();

// Waits `milliseconds` on the latch; cancel and statement_timeout end it.
void sleep_interruptibly(long milliseconds);

} // namespace ivory::pg
