// ivory.verify_data and the checks of switchover's read-only window: every
// published table compared on both sides, each side read once and both at
// the same time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/results.hpp"

namespace ivory {

namespace remote {
class Connection;
}

struct VerifyRequest {
    std::string source;
    std::string publication;
    // While it streams (enabled), ranges that differ are read again once the
    // target has applied past the source's position: rows in flight are
    // told from real differences.
    std::string subscription;
    long long range_rows = 100000;
    std::optional<int> jobs; // connections to the source; default: by its cores
};

std::vector<TableVerdict> verify_tables(const VerifyRequest &request);

// ivory.verify_data: the tables, then a row for the large objects when
// either side has any.
std::vector<TableVerdict> verify_data(const VerifyRequest &request);

// The source's position now: where its WAL is inserted, past every commit
// before, even one not yet written out (synchronous_commit = off), which
// pg_current_wal_lsn may not cover.
std::string source_position(remote::Connection &source);

// Whether the target has confirmed, through the slot, the source's WAL up to
// `lsn`.
bool slot_confirmed(remote::Connection &source, const std::string &slot, const std::string &lsn);

// Flushes the source's WAL up to its insert position: under
// synchronous_commit = off, WAL past the last commit may stay in memory, and
// no slot gets past it until then. A synchronous commit of an empty
// transaction of its own flushes all before it.
void flush_wal(remote::Connection &source);

// The source's count of the rows inserted and deleted in each published table
// ("schema.table" quoted for people -> n_tup_ins + n_tup_del).
using ModificationCounts = std::vector<std::pair<std::string, std::string>>;
ModificationCounts modification_counts(remote::Connection &source, const std::string &publication);

// Row counts of the tables with rows inserted or deleted since `before` (all
// when empty), both sides at once: what switchover checks while the source
// is read-only.
std::vector<TableVerdict> compare_row_counts(remote::Connection &source,
                                             const std::string &publication,
                                             const ModificationCounts &before);

} // namespace ivory
