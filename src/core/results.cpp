#include "results.hpp"

#include <utility>

#include "words.hpp"

namespace ivory {

namespace {

const std::pair<CutoverStep, std::string_view> step_words[] = {
    {CutoverStep::wait_for_sync, "wait for sync"},
    {CutoverStep::check_blockers, "check blockers"},
    {CutoverStep::verify_online, "verify data online"},
    {CutoverStep::lock_source, "lock source"},
    {CutoverStep::wait_for_final_position, "wait for final position"},
    {CutoverStep::sync_sequences, "sync sequences"},
    {CutoverStep::copy_large_objects, "copy large objects"},
    {CutoverStep::verify_data, "verify data"},
    {CutoverStep::compare_row_counts, "compare row counts"},
    {CutoverStep::drop_replication, "drop replication"},
    {CutoverStep::source_read_only, "source read-only"},
    {CutoverStep::total, "total"}};

} // namespace

std::string_view cutover_step_word(CutoverStep step) {
    return word_of(step_words, step);
}

std::optional<CutoverStep> parse_cutover_step(std::string_view word) {
    return parse_word(step_words, word);
}

} // namespace ivory
