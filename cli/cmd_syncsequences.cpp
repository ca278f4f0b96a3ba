// ivory syncsequences: one call of ivory.sync_sequences in the target
// database, every value sent as a bind parameter and passed by parameter name.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "cutover_report.hpp"
#include "json_output.hpp"
#include "target.hpp"

namespace ivory::cli {

namespace {

// The --sequence-offset values go as 'SEQ:N' strings in a text[].
const char *const sync_query =
    "SELECT sequence_name, source_value, target_value, action FROM ivory.sync_sequences("
    "source => $1, fixed_offset => $2::bigint, sequence_offsets => $3::text[], "
    "sample_pause => $4::double precision, equal => $5::boolean, dry_run => $6::boolean)";

const Logger &sync_log() {
    static const Logger log("ivory.syncsequences");
    return log;
}

} // namespace

void define_syncsequences_options(CLI::App &command, CommandOptions &options,
                                  const EnvironmentLookup &) {
    SyncSequencesOptions &sync = options.syncsequences;
    command
        .add_option("--fixed-offset", sync.fixed_offset,
                    "Set every target sequence this far ahead of its source value, on top of "
                    "the increments observed during the sample pause.")
        ->capture_default_str();
    const CLI::Validator sequence_offset(
        [](std::string &text) {
            return parse_sequence_offset(text) ? std::string()
                                               : "expected SEQUENCE:OFFSET, got " + text;
        },
        "SEQ:N");
    command
        .add_option("--sequence-offset",
                    "Offset for one sequence (schema.name or name), as SEQUENCE:OFFSET, instead "
                    "of the fixed offset; may be repeated.")
        ->check(sequence_offset)
        ->each([&sync](const std::string &text) {
            sync.sequence_offsets.push_back(*parse_sequence_offset(text));
        })
        ->take_all();
    command
        .add_option("--sample-pause", sync.sample_pause,
                    "Seconds between two samples of the source's sequences, to see how fast "
                    "they grow.")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command.add_flag("--equal", sync.equal,
                     "Set target sequences equal to their source values, without an offset.");
    command.add_flag("-n,--dry-run", sync.dry_run, "Show what would be done, change nothing.");
}

ExitCode run_syncsequences(const Invocation &invocation) {
    const SyncSequencesOptions &sync = invocation.options.syncsequences;
    const Connection target = connect_target(invocation.global.target, sync_log());
    if (!target || !ensure_extension(target.get(), sync_log()))
        return ExitCode::failure;
    std::vector<std::string> offsets;
    for (const SequenceOffset &offset : sync.sequence_offsets)
        offsets.push_back(offset.sequence + ":" + std::to_string(offset.offset));
    const Result result =
        run_query(target.get(), sync_query,
                  {build_conninfo(invocation.global.source), std::to_string(sync.fixed_offset),
                   text_array_literal(offsets), sql_double(sync.sample_pause),
                   sync.equal ? "true" : "false", sync.dry_run ? "true" : "false"},
                  sync_log(), "could not sync sequences");
    if (!result)
        return ExitCode::failure;
    std::vector<SequenceSetting> rows;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        rows.push_back(SequenceSetting{field(result.get(), row, "sequence_name").value_or(""),
                                       number_field(result.get(), row, "source_value"),
                                       number_field(result.get(), row, "target_value"),
                                       field(result.get(), row, "action").value_or("")});
        sync_log().info(sequence_message(rows.back()));
    }
    sync_log().info(sequences_summary(rows, sync.dry_run));
    if (invocation.global.json)
        print_result_as_json(result.get(), std::cout);
    return ExitCode::ok;
}

} // namespace ivory::cli
