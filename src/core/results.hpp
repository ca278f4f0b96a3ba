// What the lifecycle and cut-over functions return, as typed results: made
// into SQL rows at the fmgr edge (result_rows.hpp), read back by the CLI.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ivory {

// ivory.replication_create / replication_drop: one row per object.
struct ObjectAction {
    std::string object_type; // role, publication, slot, sync slot, subscription, tables, ...
    std::string object_name;
    std::string action; // created, exists, updated, recreated, dropped, absent, ...
};

// ivory.copy_roles: one row per thing done (or, in a dry run, to be done).
struct RoleAction {
    std::string role_name;
    std::string action; // create, alter, set, grant, comment, skip, warning
    std::string detail; // the statement (passwords shown as '********'), or why
};

// ivory.copy_large_objects: one row per large object of the source.
struct LargeObjectAction {
    std::string object_id;
    std::string action; // created, replaced, unchanged
    long long bytes = 0;
};

// ivory.replication_ddl: one row per DDL command recorded on the source.
struct RecordedDdl {
    long long id = 0;
    std::string state; // applied, skipped, pending, failed, copied
    std::string recorded_at;
    std::string role_name;
    std::string search_path;
    std::string command_tag;
    std::string objects;
    std::string command;
    std::string detail; // the error of a failed one, how an applied one ran
};

// ivory.sync_sequences: one row per sequence.
struct SequenceSetting {
    std::string sequence_name;
    std::optional<long long> source_value; // none: never used on the source
    std::optional<long long> target_value;
    std::string action; // "set" or "would set"
};

// A table's order-independent hash on each side at its first reading: the
// sum of `row_hash` over its rows, as a DBA reproduces it by hand with
// SELECT count(*), sum(<row_hash>) FROM <table> t.
struct TableHashes {
    std::string source;
    std::string target;
    std::string row_hash;
};

// ivory.verify_data: one row per table.
struct TableVerdict {
    std::string table_name;
    std::optional<long long> source_rows;
    std::optional<long long> target_rows;
    std::optional<bool> matches; // none: the table changed on the source meanwhile
    std::string detail;
    std::optional<TableHashes> hashes = std::nullopt; // none: not hashed
};

// The steps of ivory.switchover, in order, and the two summary rows.
enum class CutoverStep {
    wait_for_sync,
    check_blockers,
    verify_online,
    lock_source,
    wait_for_final_position,
    sync_sequences,
    copy_large_objects,
    verify_data,
    compare_row_counts,
    drop_replication,
    // switchover with the way back: the old source's subscription and this
    // database's slot made at the switch point, then the subscription enabled
    create_reverse_replication,
    start_reverse_replication,
    // switchback: this database locked, the way back dropped, the old source
    // writable again
    lock_target,
    drop_reverse_replication,
    unlock_source,
    source_read_only, // summary: how long the source could not be written
    target_read_only, // summary of switchback: since this database was locked
    total,            // summary: the whole switchover
};

std::string_view cutover_step_word(CutoverStep step);
std::optional<CutoverStep> parse_cutover_step(std::string_view word);

// switchover in parts, so that several databases share one read-only window:
// "prepare" up to the online verify, "lock" the lock alone, "finish" from the
// final position on (the source locked already); "all" of it at once.
enum class SwitchoverPhase { all, prepare, lock, finish };

std::string_view switchover_phase_word(SwitchoverPhase phase);
std::optional<SwitchoverPhase> parse_switchover_phase(std::string_view word);

// ivory.switchover: one row per step.
struct SwitchoverStep {
    std::string step; // a cutover_step_word
    std::optional<double> seconds;
    std::string detail;
    std::string evidence = {}; // a JSON object of what the step found, "" for none
};

} // namespace ivory
