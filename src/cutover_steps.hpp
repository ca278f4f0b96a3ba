// What the cut-overs share (switchover, cutover.cpp; switchback,
// switchback.cpp): the timing and evidence of their steps, the sessions a
// lock ends, what would hold it up, and reading the sequences.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/results.hpp"
#include "core/rows.hpp"

namespace ivory {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

// How often a cut-over looks again while it waits.
constexpr long poll_interval_ms = 250;
// The same inside the read-only window, where every millisecond counts.
constexpr long locked_poll_interval_ms = 10;

double seconds_since(Clock::time_point start);
std::string seconds_text(double seconds);

// Each table's verdict, with its hashes where it was hashed: what a DBA signs
// off on.
Json tables_evidence(const std::vector<TableVerdict> &verdicts);

// The rows of a cut-over, a step at a time.
class StepRecorder {
  public:
    void start() { step_start_ = Clock::now(); }
    void record(CutoverStep step, const std::string &detail, const Json &evidence = Json());
    void summary(CutoverStep step, Clock::time_point since, const std::string &detail);
    // A summary row of a given length: the forecast of a rehearsal.
    void summary(CutoverStep step, double seconds, const std::string &detail, const Json &evidence);
    // The seconds of the steps recorded since step number `first`.
    double seconds_from(size_t first) const;
    size_t size() const { return steps_.size(); }
    std::vector<SwitchoverStep> steps() && { return std::move(steps_); }

  private:
    Clock::time_point step_start_ = Clock::now();
    std::vector<SwitchoverStep> steps_;
};

// The sessions a lock ends: every other client session of this database. A
// role that is not a superuser (or pg_read_all_stats) does not see the
// backend type of other roles' sessions: those of a role that are no WAL
// sender count as client sessions. (A condition on pg_stat_activity a.)
extern const char *const other_sessions;

// Whether this session may end session `a`, as pg_terminate_backend decides:
// its role's privileges, or pg_signal_backend for any but a superuser's.
extern const char *const may_end_session;

// What would hold up the lock or write through it, found before it. Every
// other session ends at the lock, but a transaction open or running long is
// work a DBA may not want cut, a prepared transaction outlives the lock, and a
// role whose own settings turn default_transaction_read_only off writes
// anyway. Superuser sessions and other tools' slots are worth a word only.
struct Blockers {
    std::vector<std::string> blocking;
    std::vector<std::string> worth_a_word;
};

Blockers find_blockers(QueryRunner &side, const std::string &slot);

// The blockers as a step's evidence, and the step's words when none stops it:
// "nothing holds up the lock", or "forced past: ..." naming them all.
Json blockers_evidence(const Blockers &blockers);
std::string blockers_passed(const Blockers &blockers);

// The tables that differ, as "table (detail)"; with `open_ones_too`, those
// left open (still changing) as well.
std::vector<std::string> failing_tables(const std::vector<TableVerdict> &verdicts,
                                        bool open_ones_too);

// Whether this session's role owns the current database (what locking and
// unlocking it take), and the database's and its owner's names.
struct DatabaseOwner {
    bool owned = false;
    std::string database;
    std::string owner;
};
DatabaseOwner database_owner(QueryRunner &side);

// The first few items, then "and N more".
std::string listed(const std::vector<std::string> &items);

// A sequence as pg_sequences shows it.
struct SourceSequence {
    std::string schema;
    std::string name;
    std::optional<long long> last_value; // nullopt: never used
    long long start_value = 1;
    long long increment = 1;
    bool readable = true; // false: the source role may not read last_value

    // The value nextval returned last, or would have returned before the first.
    long long current() const { return last_value.value_or(start_value - increment); }
};

// Every sequence of the user schemas, by its quoted name, read without
// consuming a value (pg_sequences.last_value).
std::map<std::string, SourceSequence> read_sequences(QueryRunner &side);

} // namespace ivory
