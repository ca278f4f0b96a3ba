// The work behind each SQL function, in plain C++ on typed results: the fmgr
// edge (edge.cpp) unpacks arguments, calls these, and makes the rows
// (result_rows.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/checks.hpp"
#include "core/results.hpp"
#include "core/rows.hpp"
#include "core/schema_diff.hpp"
#include "core/status.hpp"

namespace ivory {

// The extension's version: default_version of ivory.control, from the Makefile.
inline constexpr const char *version = IVORY_VERSION;

// ivory.check(source): every readiness check.
std::vector<CheckResult> check(const std::string &source);

// ivory.schema_diff(source): the differences, object by object.
std::vector<SchemaDifference> schema_diff(const std::string &source);

// ivory.copy_schema(source): (object_type, created), the source's schema
// applied to the current database (schema_copy.cpp).
Rows copy_schema_rows(const std::string &source);

// The replication lifecycle (replication.cpp).
std::vector<ObjectAction> replication_create(const std::string &source,
                                             const std::string &publication,
                                             const std::string &subscription,
                                             const std::optional<std::string> &replication_password,
                                             bool skip_checks, bool drop_replication_user,
                                             bool track_ddl);
// ivory.replication_start / _stop: what happened, in words. The first start
// has background workers copy the tables (background_copy.hpp) unless
// `native_copy`, and a later one resumes a copy not done; stop pauses it.
std::string replication_start_message(const std::string &subscription, bool refresh,
                                      bool fail_on_already_started, bool native_copy, bool wait,
                                      std::optional<int> jobs, long long split_bytes);
std::string replication_stop_message(const std::string &subscription, bool fail_on_already_stopped);
std::vector<ObjectAction> replication_drop(const std::string &source,
                                           const std::string &publication,
                                           const std::string &subscription, bool drop_user);

// ivory.replication_status (replication_status.cpp). `source` defaults to
// the subscription's own connection.
ReplicationStatus replication_status(const std::string &subscription,
                                     const std::optional<std::string> &source);

// ivory.copy_roles (role_copy.cpp): the source cluster's roles made or
// altered here; with `dry_run` only what it would do.
std::vector<RoleAction> copy_roles(const std::string &source, bool dry_run);

// ivory.copy_large_objects (large_objects.cpp): every large object of the
// source made the same here.
std::vector<LargeObjectAction> copy_large_objects(const std::string &source);

// The cut-over (cutover.cpp).
std::vector<SequenceSetting> sync_sequences(const std::string &source, long long fixed_offset,
                                            const std::vector<std::string> &sequence_offsets,
                                            double sample_pause, bool equal, bool dry_run);
// What switchover may do beyond its defaults.
struct SwitchoverChoices {
    bool verify_in_window = false; // a full verify while the source is read-only too
    bool force = false;            // lock even with sessions that would hold it up
    std::optional<int> jobs;       // verify's connections to the source
    bool dry_run = false;          // a rehearsal: every step measured, nothing locked or changed
    // Given: the way back, a replication from here to the old source made at
    // the switch point, with which the old source reaches this database
    // (reverse_replication.hpp).
    std::optional<std::string> reverse_conninfo;
    SwitchoverPhase phase = SwitchoverPhase::all;
    // finish's: the modification_counts of prepare's `verify data online`
    // evidence (JSON); none: every table's rows are counted.
    std::optional<std::string> modification_counts;
};
std::vector<SwitchoverStep> switchover(const std::string &source, long long max_lag,
                                       double timeout_seconds, bool lock_source,
                                       const std::string &publication,
                                       const std::string &subscription,
                                       const SwitchoverChoices &choices);
// ivory.unlock_source: what happened, in words.
std::string unlock_source_message(const std::string &source);

// ivory.switchback (switchback.cpp): from this database, the new primary,
// back to the old source through the way back switchover left.
struct SwitchbackChoices {
    bool verify_in_window = false; // every table hashed, not only counted
    bool force = false;            // lock even with sessions that would hold it up
    std::optional<int> jobs;       // verify's connections to the old source
};
std::vector<SwitchoverStep> switchback(const std::string &source, long long max_lag,
                                       double timeout_seconds, const std::string &publication,
                                       const std::string &subscription,
                                       const SwitchbackChoices &choices);

// ivory.reverse_replication_drop: the way back given up.
std::vector<ObjectAction> reverse_replication_drop(const std::string &source,
                                                   const std::string &publication,
                                                   const std::string &subscription);

} // namespace ivory
