// The subscription as the target's catalog knows it, and what finds its
// slots: shared by the lifecycle, the status and the cut-over.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/results.hpp"
#include "pg/spi.hpp"

namespace ivory {

struct Subscription {
    std::string oid;
    std::string name;
    bool enabled = false;
    std::string conninfo;
    std::optional<std::string> slot_name;
    std::vector<std::string> publications;
};

// The subscription of this database with that name, if any.
std::optional<Subscription> find_subscription(pg::LocalSession &target, const std::string &name);

// The same, or an error that says how to create it.
Subscription require_subscription(pg::LocalSession &target, const std::string &name);

// The subscription's name as a SQL identifier.
std::string subscription_sql_name(const std::string &name);

// The condition on pg_replication_slots for the subscription's slots on the
// source: its main slot and its table-sync slots (named pg_<subscription
// oid>_sync_<table oid>_<target system identifier>), in the source database
// only, so that a slot of the same name elsewhere is left alone. Without an
// oid, the main slot alone.
std::string subscription_slots_condition(const std::string &slot,
                                         const std::string &subscription_oid,
                                         const std::string &target_system_identifier);

std::string target_system_identifier(pg::LocalSession &target);

// Drops the slots of `condition` on `side` (the source, or here for the way
// back), waiting (interruptibly) for it to release them, and in the end
// ending the sessions that hold them. `where` says where for errors ("on the
// source").
std::vector<ObjectAction> drop_slots(QueryRunner &side, const std::string &slot,
                                     const std::string &condition, const std::string &where);

} // namespace ivory
