// How the cut-over commands (`ivory syncsequences`, `ivory verify`,
// `ivory switchover`) report the rows of ivory.sync_sequences,
// ivory.verify_data and ivory.switchover, and the one parameter that needs
// its own text form: the --sequence-offset list as a PostgreSQL text[].
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "log.hpp"

namespace ivory::cli {

// {"a:1","b\"c:2"}: each element double-quoted with " and \ escaped by a
// backslash, as array_in reads it back exactly; "{}" for none.
std::string text_array_literal(const std::vector<std::string> &elements);

// A number as the server reads it back as double precision, without loss.
std::string sql_double(double value);

// One row of ivory.sync_sequences().
struct SequenceRow {
    std::string sequence_name;
    std::optional<long long> source_value; // NULL: never used on the source
    std::optional<long long> target_value;
    std::string action; // "set" or "would set"
};

// "sequence public.orders_id_seq: set to 1103 (source at 1003)";
// "(source not used yet)" when the source value is NULL.
std::string sequence_message(const SequenceRow &row);

// "3 sequences set", "dry run: 3 sequences would be set, nothing changed",
// "the source database has no sequences".
std::string sequences_summary(const std::vector<SequenceRow> &rows, bool dry_run);

// One row of ivory.verify_data().
struct VerifyRow {
    std::string table_name;
    std::optional<long long> source_rows;
    std::optional<long long> target_rows;
    std::optional<bool> matches; // NULL: the table changed on the source meanwhile
    std::string detail;
};

// INFO for a match, WARNING when the table could not be compared, ERROR for a
// mismatch.
LogLevel verify_level(const VerifyRow &row);

// "table public.t: 100 rows, matches",
// "table public.t: differs: 100 rows on the source, 99 on the target - <detail>",
// "table public.t: not compared: <detail>".
std::string verify_message(const VerifyRow &row);

// True when any table differs (matches false): `verify` exits 1.
bool verify_fails(const std::vector<VerifyRow> &rows);

// The last line: "4 tables match", "1 of 4 tables differ: public.t",
// with ", 1 changed on the source during the comparison (run verify again)"
// when some could not be compared; "the publication has no tables".
std::string verify_summary(const std::vector<VerifyRow> &rows);

// One row of ivory.switchover().
struct SwitchoverStep {
    std::string step;
    std::optional<double> seconds;
    std::string detail;
};

// "1.23 s", "0.00 s", "125.5 s"; "? s" for NULL.
std::string format_seconds(std::optional<double> seconds);

// "lock source: 0.12 s - <detail>"; the row 'source read-only' as "the source
// was read-only for 3.45 s - <detail>", the row 'total' as "switchover took
// 5.67 s".
std::string switchover_message(const SwitchoverStep &row);

} // namespace ivory::cli
