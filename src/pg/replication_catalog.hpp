// The few server internals the replication lifecycle needs beyond SQL.
#pragma once

#include <string>

namespace ivory::pg {

// Registers a table of a subscription in state 'i' (initializing), as
// ALTER SUBSCRIPTION ... REFRESH PUBLICATION does, so that a table-sync worker
// copies it once the subscription is enabled. Oids as text.
void add_subscription_table(const std::string &subscription_oid, const std::string &table_oid);

// Marks a registered table of a subscription ready ('r'), as CREATE
// SUBSCRIPTION ... WITH (copy_data = false) registers its tables: the apply
// worker then applies every change for it, and no table-sync worker runs.
void mark_subscription_table_ready(const std::string &subscription_oid,
                                   const std::string &table_oid);

// Takes a lock on the subscription for the rest of the transaction, the one
// the fast initial copy holds: replication_status finds the copy by it (in
// pg_locks), and replication_drop cancels the session that holds it.
void lock_subscription_for_copy(const std::string &subscription_oid);

// A password from the server's strong random source.
std::string random_password();

// Waits `milliseconds` on the latch; cancel and statement_timeout end it.
void sleep_interruptibly(long milliseconds);

} // namespace ivory::pg
