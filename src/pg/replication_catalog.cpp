#include <string>

#include "replication_catalog.hpp"

#include "../core/replication_naming.hpp"
#include "compat.hpp"
#include "guard.hpp"

extern "C" {
#include "access/xlog.h"
#include "catalog/pg_subscription.h"
#include "catalog/pg_subscription_rel.h"
#include "utils/pg_lsn.h"
}

namespace ivory::pg {

namespace {

Oid parse_oid(const std::string &text) {
    return static_cast<Oid>(std::stoul(text));
}

void add_table_in_state(const std::string &subscription_oid, const std::string &table_oid,
                        char state) {
    const Oid subscription = parse_oid(subscription_oid);
    const Oid table = parse_oid(table_oid);
    guarded([subscription, table, state] {
        compat::add_subscription_rel_state(subscription, table, state, InvalidXLogRecPtr);
        CommandCounterIncrement();
    });
}

} // namespace

void add_subscription_table(const std::string &subscription_oid, const std::string &table_oid) {
    add_table_in_state(subscription_oid, table_oid, SUBREL_STATE_INIT);
}

void add_ready_subscription_table(const std::string &subscription_oid,
                                  const std::string &table_oid) {
    add_table_in_state(subscription_oid, table_oid, SUBREL_STATE_READY);
}

void mark_subscription_table_synchronized(const std::string &subscription_oid,
                                          const std::string &table_oid, const std::string &lsn) {
    const Oid subscription = parse_oid(subscription_oid);
    const Oid table = parse_oid(table_oid);
    const char *const lsn_text = lsn.c_str();
    guarded([subscription, table, lsn_text] {
        const XLogRecPtr position =
            DatumGetLSN(DirectFunctionCall1(pg_lsn_in, CStringGetDatum(lsn_text)));
        compat::update_subscription_rel_state(subscription, table, SUBREL_STATE_SYNCDONE, position);
        CommandCounterIncrement();
    });
}

void flush_wal_to(const std::string &lsn) {
    const char *const lsn_text = lsn.c_str();
    guarded([lsn_text] {
        XLogFlush(DatumGetLSN(DirectFunctionCall1(pg_lsn_in, CStringGetDatum(lsn_text))));
    });
}

std::string random_password() {
    unsigned char bytes[24];
    unsigned char *buffer = bytes;
    if (!guarded([buffer] { return pg_strong_random(buffer, sizeof bytes); }))
        throw Error(sqlstate::internal, "could not generate a random password");
    return password_from_random_bytes(bytes, sizeof bytes);
}

void sleep_interruptibly(long milliseconds) {
    const int flags = WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH;
    const int events = guarded([flags, milliseconds] {
        return WaitLatch(MyLatch, flags, milliseconds, PG_WAIT_EXTENSION);
    });
    if (events & WL_LATCH_SET)
        guarded([] { ResetLatch(MyLatch); });
    check_for_interrupts();
}

} // namespace ivory::pg
