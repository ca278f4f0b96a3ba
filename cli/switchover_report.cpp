#include "switchover_report.hpp"

#include "../src/core/results.hpp"
#include "report_file.hpp"

namespace ivory::cli {

namespace {

using Json = nlohmann::ordered_json;

bool ends_with(const std::string &text, const std::string &suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const Json *step_row(const Json &steps, CutoverStep step) {
    for (const Json &row : steps)
        if (row.value("step", "") == cutover_step_word(step))
            return &row;
    return nullptr;
}

// The evidence of a step's row, a JSON object; null when there is none.
Json evidence_of(const Json *row) {
    if (!row || !row->contains("evidence") || (*row)["evidence"].is_null())
        return nullptr;
    return (*row)["evidence"];
}

// A Markdown table cell: one line, its bars escaped.
std::string cell(const Json &value) {
    std::string text;
    if (value.is_null())
        text = "";
    else if (value.is_string())
        text = value.get<std::string>();
    else if (value.is_boolean())
        text = value.get<bool>() ? "yes" : "no";
    else
        text = value.dump();
    std::string escaped;
    for (const char c : text) {
        if (c == '|')
            escaped += "\\|";
        else if (c == '\n' || c == '\r')
            escaped += ' ';
        else
            escaped += c;
    }
    return escaped;
}

std::string table_row(const std::vector<Json> &cells) {
    std::string row = "|";
    for (const Json &value : cells)
        row += " " + cell(value) + " |";
    return row + "\n";
}

std::string table_head(const std::vector<std::string> &columns) {
    std::string head = "|";
    std::string rule = "|";
    for (const std::string &column : columns) {
        head += " " + column + " |";
        rule += "---|";
    }
    return head + "\n" + rule + "\n";
}

} // namespace

Json switchover_report(const SwitchoverReportInput &input) {
    Json report = {{"report", "ivory switchover"},
                   {"dry_run", input.dry_run},
                   {"generated_at", input.generated_at},
                   {"source", input.source},
                   {"target", input.target}};
    const bool failed = !input.error.empty();
    report["outcome"] = failed          ? "failed"
                        : input.dry_run ? "rehearsed: nothing was locked or changed"
                                        : "completed";
    report["error"] = failed ? Json(input.error) : Json();
    const Json position = evidence_of(step_row(input.steps, CutoverStep::wait_for_final_position));
    report[input.dry_run ? "position_rehearsed" : "switch_lsn"] =
        position.is_object() ? position.value("lsn", Json()) : Json();
    const Json *window = step_row(input.steps, CutoverStep::source_read_only);
    report[input.dry_run ? "forecast_read_only_seconds" : "read_only_seconds"] =
        window ? window->value("seconds", Json()) : Json();
    report["checks"] = input.checks.is_array() ? input.checks : Json::array();
    Json steps = Json::array();
    Json verifications = Json::array();
    for (const Json &row : input.steps) {
        steps.push_back({{"step", row.value("step", "")},
                         {"seconds", row.value("seconds", Json())},
                         {"detail", row.value("detail", "")}});
        const Json evidence = evidence_of(&row);
        if (evidence.is_object() && evidence.contains("tables"))
            verifications.push_back(
                {{"step", row.value("step", "")}, {"tables", evidence["tables"]}});
    }
    report["steps"] = std::move(steps);
    report["verify"] = std::move(verifications);
    const Json blockers = evidence_of(step_row(input.steps, CutoverStep::check_blockers));
    report["blockers"] = blockers.is_object() ? blockers : Json();
    return report;
}

std::string switchover_report_markdown(const Json &report) {
    const bool dry_run = report.value("dry_run", false);
    std::string text = std::string("# ivory switchover: ") +
                       (dry_run ? "rehearsal (--dry-run)" : "report") + "\n\n";
    text += "- Generated: " + cell(report.value("generated_at", "")) + "\n";
    text += "- Source: " + cell(report.value("source", "")) + "\n";
    text += "- Target: " + cell(report.value("target", "")) + "\n";
    text += "- Outcome: " + cell(report.value("outcome", "")) + "\n";
    if (!report.value("error", Json()).is_null())
        text += "- Error: " + cell(report["error"]) + "\n";
    const char *position_key = dry_run ? "position_rehearsed" : "switch_lsn";
    if (!report.value(position_key, Json()).is_null())
        text += std::string(dry_run ? "- Source position the target confirmed in the rehearsal: "
                                    : "- Switch position (LSN): ") +
                cell(report[position_key]) + "\n";
    const char *window_key = dry_run ? "forecast_read_only_seconds" : "read_only_seconds";
    if (!report.value(window_key, Json()).is_null())
        text += std::string(dry_run ? "- Forecast read-only window: " : "- Read-only window: ") +
                cell(report[window_key]) + " s\n";

    text += "\n## Checks\n\n";
    if (report["checks"].empty())
        text += "None were run.\n";
    else {
        text += table_head({"check", "severity", "ok", "detail"});
        for (const Json &check : report["checks"])
            text += table_row({check.value("checker", Json()), check.value("severity", Json()),
                               check.value("ok", Json()), check.value("detail", Json())});
    }

    const Json blockers = report.value("blockers", Json());
    if (blockers.is_object()) {
        text += "\n## What would hold up the lock\n\n";
        const Json blocking = blockers.value("blocking", Json::array());
        const Json worth = blockers.value("worth_a_word", Json::array());
        if (blocking.empty() && worth.empty())
            text += "Nothing.\n";
        for (const Json &item : blocking)
            text += "- blocks: " + cell(item) + "\n";
        for (const Json &item : worth)
            text += "- worth a word: " + cell(item) + "\n";
    }

    text += "\n## Steps\n\n";
    text += table_head({"step", "seconds", "detail"});
    for (const Json &step : report["steps"])
        text += table_row({step.value("step", Json()), step.value("seconds", Json()),
                           step.value("detail", Json())});

    for (const Json &verification : report["verify"]) {
        text += "\n## Tables: " + cell(verification.value("step", "")) + "\n\n";
        text += table_head({"table", "source rows", "target rows", "matches", "source hash",
                            "target hash", "detail"});
        std::string row_hash;
        for (const Json &table : verification["tables"]) {
            text += table_row({table.value("table", Json()), table.value("source_rows", Json()),
                               table.value("target_rows", Json()), table.value("matches", Json()),
                               table.value("source_hash", Json()),
                               table.value("target_hash", Json()), table.value("detail", Json())});
            if (table.contains("row_hash"))
                row_hash = table.value("row_hash", "");
        }
        if (!row_hash.empty())
            text += "\nA table's hash is `sum(" + row_hash +
                    ")` over its rows (`FROM <table> t`), read on both sides at once, with "
                    "TimeZone UTC, DateStyle 'ISO, YMD', IntervalStyle postgres, "
                    "extra_float_digits 1 and bytea_output hex.\n";
    }
    return text;
}

bool write_switchover_report(const std::string &path, const SwitchoverReportInput &input,
                             const Logger &log) {
    const Json report = switchover_report(input);
    const std::string content =
        ends_with(path, ".json") ? report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"
                                 : switchover_report_markdown(report);
    if (!write_file(path, content, log))
        return false;
    log.info("report written to " + path);
    return true;
}

} // namespace ivory::cli
