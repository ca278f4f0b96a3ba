// ivory's own initial copy of one table: its rows read from the source's COPY
// in a snapshot the copy's sessions share, written by the server's own COPY
// code, with the indexes nothing needs meanwhile built after the data. The
// background workers (background_copy.hpp) run it table by table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pg/spi.hpp"
#include "remote/connection.hpp"

namespace ivory {

struct TableToCopy {
    std::string oid;
    std::string name;  // schema.table, quoted; the same on both sides
    std::string owner; // the role's OID on the target
    // One range of a table copied in several: a condition on the source's
    // rows ("id" >= 100 AND "id" < 200); empty for the whole table.
    std::string range;
};

struct TableCopy {
    uint64_t rows = 0;
    bool binary = false;            // copied in COPY's binary format
    size_t indexes_built_after = 0; // indexes and PRIMARY KEY/UNIQUE constraints
};

// An index (or PRIMARY KEY or UNIQUE constraint) dropped for the copy and
// built again after it.
struct DeferredIndex {
    std::string drop;
    std::string create;
    // The tablespace to build it in ('' for the database's default), set as
    // default_tablespace around `create` as pg_dump does: neither
    // pg_get_indexdef nor pg_get_constraintdef names it.
    std::string tablespace;
    // What dropping it loses and `create` does not bring back, as
    // statements to run after it: comments on the index and the
    // constraint, the CLUSTER mark, statistics targets of index columns.
    // Reloptions (fillfactor, ...) are in `create` already.
    std::string restore;
};

// Whether the subscription's tables all wait for their first copy (state 'i'),
// so that ivory's copy may do it.
bool all_tables_await_copy(pg::LocalSession &target, const std::string &subscription_oid);

// A snapshot of the source exported by a replication connection, and the
// WAL position it ends at (the slot's consistent point): changes committed
// after it are the apply worker's.
struct ExportedSnapshot {
    std::string name;
    std::string lsn;
};

// How a table too large for one worker is cut into `count` ranges (at
// least 2): by heap blocks (ctid) on sources 14+, which scan a block range
// without reading the rest; on older ones by an integer key's values (a
// single-column PRIMARY KEY or NOT NULL UNIQUE key). Empty when it cannot
// be cut. The conditions are the source's WHERE clauses; the first and last
// are open, so rows outside the measured bounds are copied too.
std::vector<std::string> table_ranges(pg::LocalSession &target, remote::Connection &source,
                                      const TableToCopy &table, int count);

// Creates a temporary slot named `slot` on `exporter` (a connection with
// replication=database), exporting its snapshot; the snapshot can be taken
// by other sessions while `exporter` stays open and idle.
ExportedSnapshot export_snapshot(remote::Connection &exporter, const std::string &slot);

// Starts a read-only transaction on `source` in the exported snapshot, with
// the output settings the copy needs.
void import_snapshot(remote::Connection &source, const std::string &snapshot);

// Drops the table's indexes that can be built after its data (none that
// another object needs meanwhile: a foreign key's referenced key, an index
// of a partitioned index, the replica identity index) and returns them.
std::vector<DeferredIndex> drop_deferrable_indexes(pg::LocalSession &target,
                                                   const TableToCopy &table);

// Builds them again, in order, telling `report` each; returns how many.
size_t build_indexes(pg::LocalSession &target, const TableToCopy &table,
                     const std::vector<DeferredIndex> &indexes,
                     const std::function<void(const std::string &)> &report);

// Copies the table from `source` (in the snapshot's transaction) into the
// table here, in the caller's transaction: deferrable indexes dropped, rows
// copied as the table's owner, indexes built again. `report` is told each
// step ("copying ...", "building index 1 of 2 of ..."). A range is copied
// as the table is: its indexes are the business of whoever cut it (dropped
// before the first range, built after the last).
TableCopy copy_table_with_deferred_indexes(pg::LocalSession &target, remote::Connection &source,
                                           const TableToCopy &table,
                                           const std::function<void(const std::string &)> &report);

} // namespace ivory
