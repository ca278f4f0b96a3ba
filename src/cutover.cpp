// The cut-over: ivory.sync_sequences, ivory.verify_data, ivory.switchover and
// ivory.unlock_source.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/catalog_queries.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/results.hpp"
#include "core/source_role.hpp"
#include "core/status.hpp"
#include "core/strings.hpp"
#include "functions.hpp"
#include "pg/guard.hpp"
#include "pg/replication_catalog.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"

namespace ivory {

namespace {

using Clock = std::chrono::steady_clock;

// How often switchover looks again while it waits.
constexpr long poll_interval_ms = 250;
// Mismatching key ranges named in verify's detail.
constexpr size_t max_listed_ranges = 5;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string seconds_text(double seconds) {
    char text[32];
    snprintf(text, sizeof text, "%.3f", seconds); // pg_snprintf here: the server headers are in
    return text;
}

// --- sync_sequences -------------------------------------------------------------

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

std::map<std::string, SourceSequence> read_sequences(remote::Connection &source) {
    std::map<std::string, SourceSequence> sequences;
    for (const Row &row : source.query(
             "SELECT schemaname::pg_catalog.text, sequencename::pg_catalog.text, "
             "last_value::pg_catalog.text, start_value::pg_catalog.text, "
             "increment_by::pg_catalog.text, "
             // pg_sequences' own condition for showing last_value.
             "pg_catalog.has_sequence_privilege(pg_catalog.format('%I.%I', schemaname, "
             "sequencename), 'SELECT,USAGE')::pg_catalog.text FROM pg_catalog.pg_sequences "
             "WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'ivory') ORDER BY 1, 2",
             "reading the sequences")) {
        SourceSequence sequence{text_of(row, 0),      text_of(row, 1),
                                std::nullopt,         number_of(row.at(3)),
                                number_of(row.at(4)), text_of(row, 5) == "true"};
        if (row.at(2))
            sequence.last_value = number_of(row.at(2));
        sequences.emplace(quote_identifier(sequence.schema) + "." + quote_identifier(sequence.name),
                          sequence);
    }
    return sequences;
}

// A sequence the source role may not read shows no value, which would pass
// for "never used": an error instead, before anything is set.
void require_readable(remote::Connection &source,
                      const std::map<std::string, SourceSequence> &sequences) {
    std::vector<std::string> unreadable;
    for (const auto &[name, sequence] : sequences)
        if (!sequence.readable)
            unreadable.push_back(name);
    if (!unreadable.empty())
        throw cannot_read_sequences(read_source_role(source), unreadable);
}

// "SEQ:N" with SEQ as schema.name or name (in public), split at the last colon.
std::map<std::pair<std::string, std::string>, long long>
parse_sequence_offsets(const std::vector<std::string> &offsets) {
    std::map<std::pair<std::string, std::string>, long long> parsed;
    for (const std::string &entry : offsets) {
        const size_t colon = entry.rfind(':');
        long long offset = 0;
        try {
            if (colon == std::string::npos)
                throw std::invalid_argument("no colon");
            size_t used = 0;
            offset = std::stoll(entry.substr(colon + 1), &used);
            if (used != entry.size() - colon - 1)
                throw std::invalid_argument("trailing characters");
        } catch (const std::exception &) {
            throw Error(sqlstate::invalid_parameter, "invalid sequence offset \"" + entry + "\"",
                        "", "Give each as SEQUENCE:OFFSET, e.g. public.orders_id_seq:1000.");
        }
        const std::string name = entry.substr(0, colon);
        const size_t dot = name.find('.');
        if (dot == std::string::npos)
            parsed[{"public", name}] = offset;
        else
            parsed[{name.substr(0, dot), name.substr(dot + 1)}] = offset;
    }
    return parsed;
}

// --- verify_data ------------------------------------------------------------------

// count and two 32-bit sums of row hashes per key range: order-independent.
std::string range_hash_query(const std::string &table, const std::optional<std::string> &key,
                             long long range_rows) {
    const std::string bucket = key ? "(t." + sql_identifier(*key) + " / " +
                                         std::to_string(range_rows) + ")::pg_catalog.text"
                                   : "''";
    return "SELECT " + bucket +
           ", pg_catalog.count(*)::pg_catalog.text, "
           "pg_catalog.sum(('x' || pg_catalog.substr(pg_catalog.md5(t::pg_catalog.text), 1, 8))"
           "::bit(32)::int)::pg_catalog.text, "
           "pg_catalog.sum(('x' || pg_catalog.substr(pg_catalog.md5(t::pg_catalog.text), 9, 8))"
           "::bit(32)::int)::pg_catalog.text FROM " +
           table + " t GROUP BY 1";
}

struct RangeHash {
    long long rows = 0;
    std::string hash;
};

std::map<std::string, RangeHash> range_hashes(QueryRunner &side, const std::string &sql) {
    std::map<std::string, RangeHash> ranges;
    for (const Row &row : side.query(sql, "hashing a table"))
        ranges[text_of(row, 0)] = {number_of(row.at(1)), text_of(row, 2) + "/" + text_of(row, 3)};
    return ranges;
}

long long total_rows(const std::map<std::string, RangeHash> &ranges) {
    long long rows = 0;
    for (const auto &entry : ranges)
        rows += entry.second.rows;
    return rows;
}

// Both sides render rows the same way whatever their session settings.
const std::pair<const char *, const char *> same_rendering[] = {{"TimeZone", "UTC"},
                                                                {"DateStyle", "ISO, YMD"},
                                                                {"IntervalStyle", "postgres"},
                                                                {"extra_float_digits", "1"},
                                                                {"bytea_output", "hex"}};

std::string modification_count(remote::Connection &source, const std::string &relation) {
    const Rows rows =
        source.query("SELECT (n_tup_ins + n_tup_upd + n_tup_del)::pg_catalog.text FROM "
                     "pg_catalog.pg_stat_user_tables WHERE relid = " +
                         quote_literal(relation) + "::pg_catalog.regclass",
                     "reading a table's modification count");
    return rows.empty() ? "" : text_of(rows.front(), 0);
}

// --- verify_data: the facts ---------------------------------------------------

// A published table to compare, as the source names it.
struct TableToVerify {
    std::string name;               // for people: schema.table, quoted where needed
    std::string relation;           // for SQL
    std::optional<std::string> key; // a one-column integer primary key, hashed in ranges
    std::string changes_before;     // the source's modification count before hashing
    bool published = true;          // false: a table the publication leaves out
};

// (schema, table, whether the source role may read it, whether it is
// published). A publication of the tables one by one (a source role that is
// not a superuser makes one) leaves out the tables created since: they are
// compared too, and named as not replicated.
Rows published_tables(remote::Connection &source, const std::string &publication) {
    Rows tables = source.query(
        "SELECT schemaname::pg_catalog.text, tablename::pg_catalog.text, "
        "pg_catalog.has_table_privilege(pg_catalog.format('%I.%I', schemaname, tablename), "
        "'SELECT')::pg_catalog.text, 'true' FROM pg_catalog.pg_publication_tables WHERE pubname "
        "= " +
            quote_literal(publication) + " ORDER BY 1, 2",
        "listing the published tables");
    if (!tables.empty()) {
        const Rows all_tables = source.query(
            "SELECT puballtables::pg_catalog.text FROM pg_catalog.pg_publication WHERE pubname = " +
                quote_literal(publication),
            "looking up the publication");
        if (all_tables.empty() || text_of(all_tables.front(), 0) == "true")
            return tables;
        for (Row &row : source.query(catalog_queries::tables_outside_publication(publication),
                                     "listing the tables the publication does not publish"))
            tables.push_back(
                {std::move(row.at(0)), std::move(row.at(1)), std::move(row.at(3)), Value("false")});
        return tables;
    }
    return source.query(
        "SELECT n.nspname::pg_catalog.text, c.relname::pg_catalog.text, "
        "pg_catalog.has_table_privilege(c.oid, 'SELECT')::pg_catalog.text, 'true' FROM "
        "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND n.nspname NOT IN "
        "('pg_catalog', 'information_schema', 'ivory') AND n.nspname NOT LIKE 'pg\\_%' "
        "ORDER BY 1, 2",
        "listing the tables");
}

std::vector<TableToVerify> tables_to_verify(remote::Connection &source,
                                            const std::string &publication) {
    const Rows listed = published_tables(source, publication);
    std::vector<std::string> unreadable;
    for (const Row &table : listed)
        if (text_of(table, 2) != "true")
            unreadable.push_back(quote_identifier(text_of(table, 0)) + "." +
                                 quote_identifier(text_of(table, 1)));
    if (!unreadable.empty()) {
        const SourceRole role = read_source_role(source);
        throw cannot_read_tables(role, unreadable,
                                 "verify hashes every table on the source as " +
                                     quote_identifier(role.name));
    }
    std::vector<TableToVerify> tables;
    for (const Row &table : listed) {
        TableToVerify item;
        item.published = text_of(table, 3) == "true";
        item.name = quote_identifier(text_of(table, 0)) + "." + quote_identifier(text_of(table, 1));
        item.relation = sql_identifier(text_of(table, 0)) + "." + sql_identifier(text_of(table, 1));
        // Tables with a one-column integer primary key are hashed in key ranges.
        const Rows key = source.query(
            "SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_index i JOIN "
            "pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE i.indrelid = " +
                quote_literal(item.relation) +
                "::pg_catalog.regclass AND i.indisprimary AND i.indnatts = 1 AND "
                "a.atttypid IN ('pg_catalog.int2'::pg_catalog.regtype, "
                "'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype)",
            "finding a table's key");
        if (!key.empty())
            item.key = text_of(first_row(key, "finding a table's key"), 0);
        item.changes_before = modification_count(source, item.relation);
        tables.push_back(item);
    }
    return tables;
}

using RangeHashes = std::map<std::string, RangeHash>;

// The key ranges whose count or hash differ, or that one side lacks; in key
// order for a keyed table.
std::vector<std::string> differing_ranges(const RangeHashes &on_source,
                                          const RangeHashes &on_target, bool keyed) {
    std::vector<std::string> differing;
    RangeHashes all = on_source;
    all.insert(on_target.begin(), on_target.end());
    for (const auto &entry : all) {
        const auto left = on_source.find(entry.first);
        const auto right = on_target.find(entry.first);
        if (left == on_source.end() || right == on_target.end() ||
            left->second.rows != right->second.rows || left->second.hash != right->second.hash)
            differing.push_back(entry.first);
    }
    if (keyed)
        std::sort(differing.begin(), differing.end(),
                  [](const std::string &a, const std::string &b) {
                      return number_of(Value(a)) < number_of(Value(b));
                  });
    return differing;
}

// --- verify_data: the words -----------------------------------------------------

// "rows differ in id 0..99999, id 200000..299999 and 3 more range(s)".
std::string difference_detail(const TableToVerify &table, const std::vector<std::string> &differing,
                              long long range_rows) {
    if (!table.key)
        return "rows differ in the whole table (no integer key to split it by)";
    std::vector<std::string> shown;
    for (size_t r = 0; r < differing.size() && r < max_listed_ranges; ++r) {
        const long long bucket = number_of(Value(differing[r]));
        shown.push_back(*table.key + " " + std::to_string(bucket * range_rows) + ".." +
                        std::to_string(bucket * range_rows + range_rows - 1));
    }
    std::string detail = "rows differ in " + join(shown, ", ");
    if (differing.size() > shown.size())
        detail += " and " + std::to_string(differing.size() - shown.size()) + " more range(s)";
    return detail;
}

TableVerdict verdict_of(const TableToVerify &table, const RangeHashes &on_source,
                        const RangeHashes &on_target, long long range_rows,
                        remote::Connection &source, const std::string &publication) {
    const std::string unpublished = table.published
                                        ? ""
                                        : "not in publication " + quote_identifier(publication) +
                                              ", so not replicated (replication create adds it): ";
    TableVerdict verdict{table.name, total_rows(on_source), total_rows(on_target), true,
                         unpublished + "same rows"};
    const std::vector<std::string> differing =
        differing_ranges(on_source, on_target, table.key.has_value());
    if (differing.empty())
        return verdict;
    verdict.matches = false;
    verdict.detail = unpublished + difference_detail(table, differing, range_rows);
    if (modification_count(source, table.relation) != table.changes_before) {
        verdict.matches = std::nullopt;
        verdict.detail = "the table changed on the source during the comparison; run verify "
                         "again once replication has caught up";
    }
    return verdict;
}

// --- switchover -------------------------------------------------------------------

const char *const unlock_hint =
    "Run ivory.unlock_source(source) (ivory unlock-source) to make the source writable again.";

struct SwitchoverRequest {
    std::string source;
    long long max_lag;
    double timeout_seconds;
    bool lock_source;
    std::string publication;
    std::string subscription;
    Clock::time_point deadline;
};

class StepRecorder {
  public:
    void start() { step_start_ = Clock::now(); }
    void record(CutoverStep step, const std::string &detail) {
        steps_.push_back(
            {std::string(cutover_step_word(step)), seconds_since(step_start_), detail});
    }
    void summary(CutoverStep step, Clock::time_point since, const std::string &detail) {
        steps_.push_back({std::string(cutover_step_word(step)), seconds_since(since), detail});
    }
    std::vector<SwitchoverStep> steps() && { return std::move(steps_); }

  private:
    Clock::time_point step_start_ = Clock::now();
    std::vector<SwitchoverStep> steps_;
};

// 1. Every table ready and the lag small enough, read from the status itself.
void wait_for_sync(const SwitchoverRequest &request) {
    for (;;) {
        const std::vector<std::string> waiting =
            replication_status(request.subscription, request.source).blocking(request.max_lag);
        if (waiting.empty())
            return;
        if (Clock::now() >= request.deadline)
            throw Error(sqlstate::query_canceled,
                        "switchover timed out after " + seconds_text(request.timeout_seconds) +
                            " s waiting for the initial copy and the lag",
                        "Still waiting for: " + join(waiting, "; "),
                        "The source was not locked; nothing changed.");
        pg::sleep_interruptibly(poll_interval_ms);
    }
}

// The sessions the lock ends: every other client session of the source
// database. A role that is not a superuser (or pg_read_all_stats) does not
// see the backend type of other roles' sessions: those of a role that are no
// WAL sender count as client sessions.
const char *const other_sessions =
    "a.datname = pg_catalog.current_database() AND a.pid <> pg_catalog.pg_backend_pid() AND "
    "(a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.usesysid IS NOT NULL "
    "AND a.pid NOT IN (SELECT w.pid FROM pg_catalog.pg_stat_get_wal_senders() w)))";

// Whether this session may end session `a`, as pg_terminate_backend decides:
// its role's privileges, or pg_signal_backend for any but a superuser's.
const char *const may_end_session =
    "(pg_catalog.pg_has_role(a.usesysid, 'USAGE') OR "
    "(pg_catalog.pg_has_role('pg_signal_backend', 'USAGE') AND NOT EXISTS "
    "(SELECT FROM pg_catalog.pg_roles r WHERE r.oid = a.usesysid AND r.rolsuper)))";

// The other sessions this one may not end, as "role (pid N)".
std::vector<std::string> sessions_not_endable(remote::Connection &source) {
    std::vector<std::string> sessions;
    for (const Row &row :
         source.query(std::string("SELECT pg_catalog.format('%I (pid %s)', a.usename, a.pid) FROM "
                                  "pg_catalog.pg_stat_activity a WHERE ") +
                          other_sessions + " AND NOT " + may_end_session + " ORDER BY a.pid",
                      "listing the source's sessions"))
        sessions.push_back(text_of(row, 0));
    return sessions;
}

// Before switchover waits or locks anything: what the source role needs for
// it, or an error that says how to get it. The lock needs the database's
// owner and the right to end every other session; setting the sequences
// needs their values.
void require_switchover_privileges(remote::Connection &source, bool lock_source) {
    if (lock_source) {
        const Row database = first_row(
            source.query("SELECT pg_catalog.pg_has_role(d.datdba, 'USAGE')::pg_catalog.text, "
                         "d.datname::pg_catalog.text, pg_catalog.pg_get_userbyid(d.datdba)::"
                         "pg_catalog.text FROM pg_catalog.pg_database d WHERE d.datname = "
                         "pg_catalog.current_database()",
                         "reading the source database's owner"),
            "reading the source database's owner");
        if (text_of(database, 0) != "true")
            throw cannot_lock_database(read_source_role(source), text_of(database, 1),
                                       text_of(database, 2));
        if (const std::vector<std::string> sessions = sessions_not_endable(source);
            !sessions.empty())
            throw cannot_end_sessions(read_source_role(source), sessions);
    }
    require_readable(source, read_sequences(source));
}

// 2. New transactions on the source are read-only; its other sessions end.
// Returns how many sessions ended.
std::string lock_source_database(remote::Connection &source) {
    source.query("DO $ivory$ BEGIN EXECUTE pg_catalog.format('ALTER DATABASE %I SET "
                 "default_transaction_read_only = on', pg_catalog.current_database()); "
                 "END $ivory$",
                 "making the source read-only");
    const Rows ended =
        source.query(std::string("SELECT pg_catalog.count(pg_catalog.pg_terminate_backend(a.pid))::"
                                 "pg_catalog.text FROM pg_catalog.pg_stat_activity a WHERE ") +
                         other_sessions + " AND " + may_end_session,
                     "ending the source's other sessions");
    // A session of a role this one may not end that came after the check
    // before the lock.
    if (const std::vector<std::string> sessions = sessions_not_endable(source); !sessions.empty())
        throw cannot_end_sessions(read_source_role(source), sessions);
    return text_of(first_row(ended, "ending the source's other sessions"), 0);
}

// 3. The target confirms the source's final position; returns it.
std::string wait_for_final_position(remote::Connection &source, const SwitchoverRequest &request) {
    const std::string final_position =
        text_of(first_row(source.query("SELECT pg_catalog.pg_current_wal_lsn()::pg_catalog.text",
                                       "reading the final WAL position"),
                          "reading the final WAL position"),
                0);
    const std::string slot = slot_name_for(request.subscription);
    for (;;) {
        const Rows confirmed = source.query(
            "SELECT (confirmed_flush_lsn >= " + quote_literal(final_position) +
                "::pg_catalog.pg_lsn)::pg_catalog.text FROM pg_catalog.pg_replication_slots "
                "WHERE slot_name = " +
                quote_literal(slot),
            "waiting for the final position");
        if (!confirmed.empty() && text_of(confirmed.front(), 0) == "true")
            return final_position;
        if (Clock::now() >= request.deadline)
            throw Error(sqlstate::query_canceled,
                        "switchover timed out after " + seconds_text(request.timeout_seconds) +
                            " s waiting for the target to confirm the source's final WAL "
                            "position " +
                            final_position,
                        "", unlock_hint);
        pg::sleep_interruptibly(poll_interval_ms);
    }
}

// 3 to 6, while the source is read-only: any error of them keeps the hint
// that says how to make the source writable again.
void switch_while_locked(remote::Connection &source, const SwitchoverRequest &request,
                         StepRecorder &steps) {
    steps.start();
    const std::string final_position = wait_for_final_position(source, request);
    steps.record(CutoverStep::wait_for_final_position, "confirmed up to " + final_position);

    steps.start();
    const auto sequences = sync_sequences(request.source, 0, {}, 0, true, false);
    steps.record(CutoverStep::sync_sequences,
                 std::to_string(sequences.size()) + " sequence(s) set");

    steps.start();
    std::vector<std::string> differing;
    const auto verdicts = verify_data(request.source, request.publication, 100000, true);
    for (const TableVerdict &verdict : verdicts)
        if (verdict.matches != true)
            differing.push_back(verdict.table_name + " (" + verdict.detail + ")");
    if (!differing.empty())
        throw Error(sqlstate::internal, "switchover stopped: the data differs",
                    join(differing, "; "), unlock_hint);
    steps.record(CutoverStep::verify_data, std::to_string(verdicts.size()) + " table(s) match");

    steps.start();
    const auto dropped =
        replication_drop(request.source, request.publication, request.subscription, true);
    steps.record(CutoverStep::drop_replication,
                 std::to_string(dropped.size()) + " object(s) dropped or absent");
}

} // namespace

std::vector<SequenceSetting> sync_sequences(const std::string &source_conninfo,
                                            long long fixed_offset,
                                            const std::vector<std::string> &sequence_offsets,
                                            double sample_pause, bool equal, bool dry_run) {
    const auto offsets = parse_sequence_offsets(sequence_offsets);
    pg::LocalSession target(false);
    remote::Connection source(source_conninfo);

    // Read without consuming: pg_sequences.last_value, twice around the
    // pause to see how fast each sequence moves.
    const auto first = read_sequences(source);
    require_readable(source, first);
    if (!equal && sample_pause > 0)
        pg::sleep_interruptibly(static_cast<long>(sample_pause * 1000));
    const auto second = equal || sample_pause <= 0 ? first : read_sequences(source);

    // Every sequence must exist here before any is set.
    std::map<std::string, std::string> target_oids;
    std::vector<std::string> missing;
    for (const auto &[name, sequence] : second) {
        const Rows found = target.query(
            "SELECT c.oid::pg_catalog.text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace "
            "n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND "
            "c.relkind = 'S'",
            {Value(sequence.schema), Value(sequence.name)}, "finding a sequence");
        if (found.empty())
            missing.push_back(name);
        else
            target_oids[name] = text_of(first_row(found, "finding a sequence"), 0);
    }
    if (!missing.empty())
        throw Error("42P01", "sequences missing on the target: " + join(missing, ", "), "",
                    "Copy the schema first (ivory.copy_schema, ivory copyschema).");

    std::vector<SequenceSetting> settings;
    for (const auto &[name, sequence] : second) {
        const long long direction = sequence.increment < 0 ? -1 : 1;
        long long value = sequence.current();
        if (!equal) {
            const auto before = first.find(name);
            const long long moved = before == first.end() ? 0 : value - before->second.current();
            const auto override_offset = offsets.find({sequence.schema, sequence.name});
            const long long offset =
                override_offset == offsets.end() ? fixed_offset : override_offset->second;
            value += moved + direction * offset;
        }
        // An unused source sequence whose target value would come before its
        // start stays unused here: the next value is its start.
        bool is_called = true;
        if (!sequence.last_value && (equal || direction * (value - sequence.start_value) < 0)) {
            value = sequence.start_value;
            is_called = false;
        }
        if (!dry_run)
            target.query("SELECT pg_catalog.setval($1::oid::pg_catalog.regclass, $2::bigint, "
                         "$3::boolean)::pg_catalog.text",
                         {Value(target_oids[name]), Value(std::to_string(value)),
                          Value(is_called ? "true" : "false")},
                         "setting a sequence");
        settings.push_back({name, sequence.last_value, value, dry_run ? "would set" : "set"});
    }
    return settings;
}

std::vector<TableVerdict> verify_data(const std::string &source_conninfo,
                                      const std::string &publication, long long range_rows,
                                      bool fresh_target_snapshots) {
    if (range_rows <= 0)
        throw Error(sqlstate::invalid_parameter, "range_rows must be positive");
    pg::LocalSession target(!fresh_target_snapshots);
    remote::Connection source(source_conninfo);
    std::string source_settings;
    for (const auto &[name, value] : same_rendering)
        source_settings += std::string("SET ") + name + " = " + quote_literal(value) + "; ";
    source.query(source_settings, "setting how rows are rendered");
    pg::LocalSettingsScope settings;
    for (const auto &[name, value] : same_rendering)
        settings.set(name, value);

    const std::vector<TableToVerify> tables = tables_to_verify(source, publication);
    // One snapshot on the source for every table.
    std::vector<RangeHashes> on_source;
    source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "taking a snapshot");
    for (const TableToVerify &table : tables)
        on_source.push_back(
            range_hashes(source, range_hash_query(table.relation, table.key, range_rows)));
    source.query("COMMIT", "ending the snapshot");

    std::vector<TableVerdict> verdicts;
    for (size_t i = 0; i < tables.size(); ++i) {
        const RangeHashes on_target =
            range_hashes(target, range_hash_query(tables[i].relation, tables[i].key, range_rows));
        verdicts.push_back(
            verdict_of(tables[i], on_source[i], on_target, range_rows, source, publication));
    }
    return verdicts;
}

std::string unlock_source_message(const std::string &source_conninfo) {
    remote::Connection source(source_conninfo);
    // The database's owner resets the setting whatever it is; another role
    // finds out whether there is one to reset.
    const Row database = first_row(
        source.query(
            "SELECT pg_catalog.pg_has_role(d.datdba, 'USAGE')::pg_catalog.text, "
            "d.datname::pg_catalog.text, pg_catalog.pg_get_userbyid(d.datdba)::pg_catalog.text, "
            "EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s, "
            "pg_catalog.unnest(s.setconfig) AS c(setting) WHERE s.setdatabase = d.oid AND "
            "s.setrole = 0 AND c.setting LIKE 'default\\_transaction\\_read\\_only=%')::"
            "pg_catalog.text FROM pg_catalog.pg_database d WHERE d.datname = "
            "pg_catalog.current_database()",
            "reading the source database's settings"),
        "reading the source database's settings");
    if (text_of(database, 0) != "true") {
        if (text_of(database, 3) != "true")
            return "source database writable already: it has no default_transaction_read_only "
                   "to reset";
        throw cannot_unlock_database(read_source_role(source), text_of(database, 1),
                                     text_of(database, 2));
    }
    source.query("DO $ivory$ BEGIN EXECUTE pg_catalog.format('ALTER DATABASE %I RESET "
                 "default_transaction_read_only', pg_catalog.current_database()); END $ivory$",
                 "making the source writable");
    return "source database writable again";
}

std::vector<SwitchoverStep> switchover(const std::string &source_conninfo, long long max_lag,
                                       double timeout_seconds, bool lock_source,
                                       const std::string &publication,
                                       const std::string &subscription) {
    const Clock::time_point started = Clock::now();
    const SwitchoverRequest request{
        source_conninfo,
        max_lag,
        timeout_seconds,
        lock_source,
        publication,
        subscription,
        started + std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000))};
    StepRecorder steps;
    {
        remote::Connection source(source_conninfo);
        require_switchover_privileges(source, lock_source);
    }

    steps.start();
    wait_for_sync(request);
    steps.record(CutoverStep::wait_for_sync,
                 "every table ready, lag at most " + std::to_string(max_lag) + " bytes");

    remote::Connection source(source_conninfo);
    steps.start();
    const Clock::time_point locked_at = Clock::now();
    if (lock_source) {
        std::string ended;
        try {
            ended = lock_source_database(source);
        } catch (const Error &error) {
            // The lock may be in place: say how to undo it.
            ErrorFields fields = error.fields();
            fields.hint += (fields.hint.empty() ? "" : " ") + std::string(unlock_hint);
            throw Error(fields);
        }
        steps.record(CutoverStep::lock_source,
                     "default_transaction_read_only = on; " + ended + " session(s) ended");
    } else
        steps.record(CutoverStep::lock_source, "skipped (lock_source => false)");

    try {
        switch_while_locked(source, request, steps);
    } catch (const Error &error) {
        ErrorFields fields = error.fields();
        if (fields.hint.empty())
            fields.hint = unlock_hint;
        else if (fields.hint.find(unlock_hint) == std::string::npos)
            fields.hint += " " + std::string(unlock_hint);
        fields.context = "during switchover";
        throw Error(fields);
    } catch (pg::PgError &error) {
        error.add_hint_if_missing(unlock_hint);
        error.add_context("during switchover");
        throw;
    }

    steps.summary(CutoverStep::source_read_only, locked_at,
                  lock_source ? "the source stays read-only; ivory.unlock_source makes it writable"
                              : "the source was not locked");
    steps.summary(CutoverStep::total, started, "");
    return std::move(steps).steps();
}

} // namespace ivory
