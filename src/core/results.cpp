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
    {CutoverStep::create_reverse_replication, "create reverse replication"},
    {CutoverStep::start_reverse_replication, "start reverse replication"},
    {CutoverStep::lock_target, "lock target"},
    {CutoverStep::drop_reverse_replication, "drop reverse replication"},
    {CutoverStep::unlock_source, "unlock source"},
    {CutoverStep::source_read_only, "source read-only"},
    {CutoverStep::target_read_only, "target read-only"},
    {CutoverStep::total, "total"}};

const std::pair<SwitchoverPhase, std::string_view> phase_words[] = {
    {SwitchoverPhase::all, "all"},
    {SwitchoverPhase::prepare, "prepare"},
    {SwitchoverPhase::lock, "lock"},
    {SwitchoverPhase::finish, "finish"}};

} // namespace

std::string_view switchover_phase_word(SwitchoverPhase phase) {
    return word_of(phase_words, phase);
}

std::optional<SwitchoverPhase> parse_switchover_phase(std::string_view word) {
    return parse_word(phase_words, word);
}

std::string_view cutover_step_word(CutoverStep step) {
    return word_of(step_words, step);
}

std::optional<CutoverStep> parse_cutover_step(std::string_view word) {
    return parse_word(step_words, word);
}

} // namespace ivory
