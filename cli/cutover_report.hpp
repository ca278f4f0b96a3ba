// How the cut-over commands (`ivory syncsequences`, `ivory verify`,
// `ivory switchover`) report the rows of ivory.sync_sequences,
// ivory.verify_data and ivory.switchover, read back into the extension's own
// result types (src/core/results.hpp), and the one parameter that needs its
// own text form: the --sequence-offset list as a PostgreSQL text[].
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../src/core/results.hpp"
#include "log.hpp"

namespace ivory::cli {

// {"a:1","b\"c:2"}: each element double-quoted with " and \ escaped by a
// backslash, as array_in reads it back exactly; "{}" for none.
std::string text_array_literal(const std::vector<std::string> &elements);

// A number as the server reads it back as double precision, without loss.
std::string sql_double(double value);

// "sequence public.orders_id_seq: set to 1103 (source at 1003)";
// "(source not used yet)" when the source value is NULL.
std::string sequence_message(const SequenceSetting &row);

// "3 sequences set", "dry run: 3 sequences would be set, nothing changed",
// "the source database has no sequences".
std::string sequences_summary(const std::vector<SequenceSetting> &rows, bool dry_run);

// INFO for a match, WARNING when the table could not be compared, ERROR for a
// mismatch.
LogLevel verify_level(const TableVerdict &row);

// "table public.t: 100 rows, matches",
// "table public.t: differs: 100 rows on the source, 99 on the target - <detail>",
// "table public.t: not compared: <detail>".
std::string verify_message(const TableVerdict &row);

// True when any table differs (matches false): `verify` exits 1.
bool verify_fails(const std::vector<TableVerdict> &rows);

// The last line: "4 tables match", "1 of 4 tables differ: public.t",
// with ", 1 changed on the source during the comparison (run verify again)"
// when some could not be compared; "the publication has no tables".
std::string verify_summary(const std::vector<TableVerdict> &rows);

// "1.23 s", "0.00 s", "125.5 s"; "? s" for NULL.
std::string format_seconds(std::optional<double> seconds);

// "lock source: 0.12 s - <detail>"; the row 'source read-only' as "the source
// was read-only for 3.45 s - <detail>", the row 'total' as "switchover took
// 5.67 s"; of a rehearsal "forecast: the source would be read-only for about
// 0.50 s - <detail>" and "the dry run took 5.67 s".
std::string switchover_message(const SwitchoverStep &row, bool dry_run = false);

} // namespace ivory::cli
