// The work behind each SQL function, in plain C++: the fmgr edge (edge.cpp)
// unpacks arguments, calls these, and packs the rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/rows.hpp"

namespace ivory {

// The extension's version: default_version of ivory.control, from the Makefile.
inline constexpr const char *version = IVORY_VERSION;

// ivory.check(source): (checker, description, severity, ok, detail).
Rows check_rows(const std::string &source);

// ivory.schema_diff(source): (object_type, object_name, attribute, source_value,
// target_value, difference).
Rows schema_diff_rows(const std::string &source);

// ivory.copy_schema(source): (object_type, created), the source's schema
// applied to the current database (schema_copy.cpp).
Rows copy_schema_rows(const std::string &source);

// The replication lifecycle (replication.cpp).
// ivory.replication_create: (object_type, object_name, action) per object.
Rows replication_create_rows(const std::string &source, const std::string &publication,
                             const std::string &subscription,
                             const std::optional<std::string> &replication_password,
                             bool skip_checks, bool drop_replication_user);
// ivory.replication_start / _stop: what happened, in words. The first start
// copies the tables itself (initial_copy.hpp) unless `native_copy`.
std::string replication_start_message(const std::string &subscription, bool refresh,
                                      bool fail_on_already_started, bool native_copy);
std::string replication_stop_message(const std::string &subscription, bool fail_on_already_stopped);
// ivory.replication_status: (item, name, state, severity, detail, bytes_copied,
// bytes_total, percent).
Rows replication_status_rows(const std::string &subscription,
                             const std::optional<std::string> &source);
// ivory.replication_drop: (object_type, object_name, action) per object.
Rows replication_drop_rows(const std::string &source, const std::string &publication,
                           const std::string &subscription, bool drop_user);

// The cut-over (cutover.cpp).
// ivory.sync_sequences: (sequence_name, source_value, target_value, action).
Rows sync_sequences_rows(const std::string &source, long long fixed_offset,
                         const std::vector<std::string> &sequence_offsets, double sample_pause,
                         bool equal, bool dry_run);
// ivory.verify_data: (table_name, source_rows, target_rows, matches, detail).
// `fresh_target_snapshots` for callers that waited for the subscriber within
// their statement.
Rows verify_data_rows(const std::string &source, const std::string &publication,
                      long long range_rows, bool fresh_target_snapshots);
// ivory.switchover: (step, seconds, detail).
Rows switchover_rows(const std::string &source, long long max_lag, double timeout_seconds,
                     bool lock_source, const std::string &publication,
                     const std::string &subscription);
// ivory.unlock_source: what happened, in words.
std::string unlock_source_message(const std::string &source);

} // namespace ivory
