#include "result_rows.hpp"

#include <cstdio>
#include <string>

namespace ivory {

namespace {

Value text(std::string_view word) {
    return Value(std::string(word));
}

Value number(const std::optional<long long> &value) {
    return value ? Value(std::to_string(*value)) : Value();
}

Value boolean(const std::optional<bool> &value) {
    return value ? Value(*value ? "true" : "false") : Value();
}

// Full precision: the server's float8 input reads it back exactly.
Value decimal(const std::optional<double> &value, const char *format = "%.17g") {
    if (!value)
        return Value();
    char formatted[40];
    std::snprintf(formatted, sizeof formatted, format, *value);
    return Value(formatted);
}

Value optional_text(const std::string &value) {
    return value.empty() ? Value() : Value(value);
}

} // namespace

Rows rows_of(const std::vector<CheckResult> &results) {
    Rows rows;
    for (const CheckResult &result : results)
        rows.push_back({Value(result.checker), Value(result.description),
                        text(severity_word(result.severity)), boolean(result.ok),
                        Value(result.detail)});
    return rows;
}

Rows rows_of(const std::vector<SchemaDifference> &differences) {
    Rows rows;
    for (const SchemaDifference &difference : differences)
        rows.push_back({Value(difference.object_type), Value(difference.object_name),
                        optional_text(difference.attribute), difference.source_value,
                        difference.target_value, Value(difference.describe())});
    return rows;
}

Rows rows_of(const std::vector<ObjectAction> &actions) {
    Rows rows;
    for (const ObjectAction &action : actions)
        rows.push_back(
            {Value(action.object_type), Value(action.object_name), Value(action.action)});
    return rows;
}

Rows rows_of(const ReplicationStatus &status) {
    Rows rows;
    for (const StatusEntry &entry : status.entries)
        rows.push_back({text(item_word(entry.item)), Value(entry.name),
                        text(state_word(entry.state)), text(severity_word(entry.severity)),
                        Value(entry.detail), number(entry.bytes_copied), number(entry.bytes_total),
                        decimal(entry.percent(), "%.1f"), number(entry.lag_bytes),
                        number(entry.age_seconds)});
    return rows;
}

Rows rows_of(const std::vector<SequenceSetting> &settings) {
    Rows rows;
    for (const SequenceSetting &setting : settings)
        rows.push_back({Value(setting.sequence_name), number(setting.source_value),
                        number(setting.target_value), Value(setting.action)});
    return rows;
}

Rows rows_of(const std::vector<RoleAction> &actions) {
    Rows rows;
    for (const RoleAction &action : actions)
        rows.push_back({Value(action.role_name), Value(action.action), Value(action.detail)});
    return rows;
}

Rows rows_of(const std::vector<LargeObjectAction> &actions) {
    Rows rows;
    for (const LargeObjectAction &action : actions)
        rows.push_back({Value(action.object_id), Value(action.action), number(action.bytes)});
    return rows;
}

Rows rows_of(const std::vector<TableVerdict> &verdicts) {
    Rows rows;
    for (const TableVerdict &verdict : verdicts)
        rows.push_back({Value(verdict.table_name), number(verdict.source_rows),
                        number(verdict.target_rows), boolean(verdict.matches),
                        Value(verdict.detail)});
    return rows;
}

Rows rows_of(const std::vector<SwitchoverStep> &steps) {
    Rows rows;
    for (const SwitchoverStep &step : steps)
        rows.push_back({Value(step.step), decimal(step.seconds, "%.3f"), Value(step.detail),
                        step.evidence.empty() ? Value() : Value(step.evidence)});
    return rows;
}

Rows rows_of(const std::vector<RecordedDdl> &commands) {
    Rows rows;
    for (const RecordedDdl &command : commands)
        rows.push_back({number(command.id), Value(command.state), Value(command.recorded_at),
                        Value(command.role_name), Value(command.search_path),
                        Value(command.command_tag), Value(command.objects), Value(command.command),
                        optional_text(command.detail)});
    return rows;
}

} // namespace ivory
