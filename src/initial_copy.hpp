// The fast initial copy behind ivory.replication_start: the tables copied in
// the snapshot of the subscription's slot, with their indexes built after the
// data, before the subscription starts applying from that slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "pg/spi.hpp"

namespace ivory {

struct InitialCopySummary {
    size_t tables = 0;
    size_t tables_in_binary = 0; // copied in COPY's binary format
    uint64_t rows = 0;
    size_t indexes_built_after = 0; // indexes and PRIMARY KEY/UNIQUE constraints
};

// Whether the subscription's tables all wait for their first copy (state 'i'),
// so that the fast copy may do it.
bool all_tables_await_copy(pg::LocalSession &target, const std::string &subscription_oid);

// Replaces the subscription's slot by one created with an exported snapshot,
// copies every registered table in that snapshot (indexes and keys nothing
// needs during the copy are dropped first and built after), and marks the
// tables ready, as CREATE SUBSCRIPTION ... WITH (copy_data = false) does: the
// subscription, once enabled, applies from the slot's consistent point, where
// the snapshot ends. Everything is in the caller's transaction; on abort the
// source gets a plain slot back.
InitialCopySummary fast_initial_copy(pg::LocalSession &target, const std::string &subscription_oid,
                                     const std::string &conninfo, const std::string &slot);

} // namespace ivory
