// Differences of the server's C interface between the major versions ivory
// builds against (15 to 19). Feature code calls these names and never tests
// PG_VERSION_NUM itself.
#pragma once

#include "postgres.hpp"

extern "C" {
#include "access/xlogdefs.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_subscription_rel.h"
#include "replication/logicalworker.h"
#include "replication/worker_internal.h"
#include "utils/acl.h"
}

namespace ivory::pg::compat {

// 16 replaced the per-kind ACL checks with object_aclcheck.
inline AclResult foreign_server_aclcheck(Oid server, Oid role, AclMode mode) {
#if PG_VERSION_NUM >= 160000
    return object_aclcheck(ForeignServerRelationId, server, role, mode);
#else
    return pg_foreign_server_aclcheck(server, role, mode);
#endif
}

// 17 added retain_lock (keep the catalog's lock to the end of the
// transaction) and already_locked (the caller holds the subscription's lock):
// ivory wants the behaviour of 15 and 16, neither.
inline void add_subscription_rel_state(Oid subscription, Oid table, char state, XLogRecPtr lsn) {
#if PG_VERSION_NUM >= 170000
    AddSubscriptionRelState(subscription, table, state, lsn, false);
#else
    AddSubscriptionRelState(subscription, table, state, lsn);
#endif
}

inline void update_subscription_rel_state(Oid subscription, Oid table, char state,
                                          XLogRecPtr lsn) {
#if PG_VERSION_NUM >= 170000
    UpdateSubscriptionRelState(subscription, table, state, lsn, false);
#else
    UpdateSubscriptionRelState(subscription, table, state, lsn);
#endif
}

// A logical replication worker applying the stream (the leader or, from 16,
// a parallel apply worker), not a table-sync worker copying one table.
inline bool in_apply_worker() {
    return IsLogicalWorker() && MyLogicalRepWorker && !am_tablesync_worker();
}

} // namespace ivory::pg::compat
