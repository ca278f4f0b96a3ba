// ivory syncsequences
#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace ivory::cli {

void define_syncsequences_options(CLI::App &command, CommandOptions &options,
                                  const EnvironmentLookup &) {
    SyncSequencesOptions &sync = options.syncsequences;
    command.add_option("--fixed-offset", sync.fixed_offset,
                       "Set every target sequence this far ahead of its source value.");
    const CLI::Validator sequence_offset(
        [](std::string &text) {
            return parse_sequence_offset(text) ? std::string()
                                               : "expected SEQUENCE:OFFSET, got " + text;
        },
        "SEQ:N");
    command
        .add_option("--sequence-offset",
                    "Offset for one sequence, as SEQUENCE:OFFSET; may be repeated.")
        ->check(sequence_offset)
        ->each([&sync](const std::string &text) {
            sync.sequence_offsets.push_back(*parse_sequence_offset(text));
        })
        ->take_all();
    command
        .add_option("--sample-pause", sync.sample_pause,
                    "Seconds between two samples of the source's sequences.")
        ->check(CLI::NonNegativeNumber);
    command.add_flag("--equal", sync.equal,
                     "Set target sequences equal to their source values, without an offset.");
    command.add_flag("-n,--dry-run", sync.dry_run, "Show what would be done, change nothing.");
}

ExitCode run_syncsequences(const Invocation &invocation) {
    return report_not_implemented(invocation);
}

} // namespace ivory::cli
