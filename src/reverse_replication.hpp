// The way back after a switchover: a replication from this database, the new
// primary, to the old source, that starts exactly at the switch point and
// copies nothing. switchover makes it (reverse_conninfo), switchback uses it
// to return, and ivory.reverse_replication_drop gives it up.
//
// Its names mirror the forward replication's: the publication here has the
// forward publication's name, the old source's subscription and the slot here
// the forward subscription's. The slot is made once the target has applied
// the source's final position, before the switchover's transaction writes
// anything here (a slot waits for every transaction that has): from its start
// on, everything committed here reaches the old source, and nothing before.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/results.hpp"
#include "pg/background_worker.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"

namespace ivory {

struct ReverseReplication {
    std::string conninfo; // how the old source reaches this database
    std::string publication;
    std::string subscription;
};

// The old source's subscription of the way back, as its catalog knows it.
struct ReverseSubscription {
    bool enabled = false;
    std::optional<std::string> slot_name;
    std::optional<std::string> worker_pid; // its apply worker, while it runs
};

std::optional<ReverseSubscription> find_reverse_subscription(remote::Connection &source,
                                                             const std::string &subscription);

// Before anything is locked: an error that says what the way back lacks
// (wal_level = logical and a free slot here, a source role that may
// subscribe, ownership of the tables here, no object of its names yet but a
// publication ivory made here before).
void require_reverse_possible(remote::Connection &source, pg::LocalSession &target,
                              const ReverseReplication &reverse);

// Before the lock: the publication here of the tables the forward
// subscription `forward_subscription_oid` replicates, committed at once by a
// background worker. The old source's subscription registers its tables when
// it is made, from what this database has committed; a publication of this
// transaction would be invisible to it. A switchover that fails later leaves
// it, and the next one makes it again.
void publish_back(const ReverseReplication &reverse, const std::string &forward_subscription_oid);

// The worker's work (its entry point is in copy_workers.cpp).
void run_publish_back(const pg::WorkerArguments &arguments);

// At the switch point: the old source's subscription (disabled), registering
// the published tables as ready, and through it the slot here. Returns the
// slot's start. The subscription is dropped again if this transaction aborts.
std::string create_reverse_replication(remote::Connection &source,
                                       const std::string &source_conninfo, pg::LocalSession &target,
                                       const ReverseReplication &reverse);

// Once the forward replication is gone: the old source's subscription enabled.
void start_reverse_replication(remote::Connection &source, const ReverseReplication &reverse);

// ivory.reverse_replication_drop: the old source's subscription, the slot here
// and the publication here, each dropped or found absent. The old source stays
// read-only.
std::vector<ObjectAction> drop_reverse_replication(remote::Connection &source,
                                                   pg::LocalSession &target,
                                                   const std::string &publication,
                                                   const std::string &subscription);

} // namespace ivory
