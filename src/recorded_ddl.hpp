// DDL commands recorded on the source (core/ddl_tracking.hpp) on the target:
// run by the apply worker at their place in the stream, listed with their
// state, skipped or retried by the DBA, and shown in the status.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/results.hpp"
#include "core/rows.hpp"
#include "core/status.hpp"
#include "pg/spi.hpp"
#include "subscription.hpp"

namespace ivory {

// A row of ivory.ddl_commands as the apply worker inserts it.
struct DdlRecord {
    long long id = 0;
    std::string role_name;
    std::string search_path;
    std::string command_tag;
    int ordinal = 0; // of the event among those of the same query string
    std::string objects;
    std::string command;
};

// The trigger's work: inside the apply worker, runs the recorded command
// (unless skipped), registers the tables it made with the subscription and
// notes it applied. Elsewhere (the initial copy, a hand-made row) nothing.
// A failure is noted on the source and raised: the apply stops at it.
void apply_recorded_ddl(const DdlRecord &record);

// ivory.replication_ddl: the commands recorded on the source with their
// state here; empty when the source records none.
std::vector<RecordedDdl> recorded_ddl(const std::string &subscription,
                                      const std::optional<std::string> &source);

// ivory.replication_ddl_skip / _retry: what happened, in words.
std::string skip_recorded_ddl(long long id, const std::string &subscription,
                              const std::optional<std::string> &source);
std::string retry_recorded_ddl(long long id, const std::string &subscription,
                               const std::optional<std::string> &source);

// Whether the source records DDL for replication (track_ddl).
bool source_records_ddl(QueryRunner &source);

// The same list, read through connections the caller has.
std::vector<RecordedDdl> recorded_ddl(pg::LocalSession &target, QueryRunner &source,
                                      const Subscription &subscription);

// The same, for a caller that knows the source records DDL.
std::vector<RecordedDdl> read_recorded_ddl(pg::LocalSession &target, QueryRunner &source,
                                           const Subscription &subscription);

// The status entries of the recorded commands: a summary, then each one
// failed or not applied yet.
void add_recorded_ddl_entries(ReplicationStatus &status, const std::vector<RecordedDdl> &commands);

} // namespace ivory
