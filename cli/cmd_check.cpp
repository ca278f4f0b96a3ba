// ivory check
#include <chrono>
#include <cstdlib>
#include <iostream>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "check_report.hpp"
#include "commands.hpp"
#include "html_diff.hpp"
#include "json_output.hpp"
#include "report_file.hpp"
#include "target.hpp"

namespace ivory::cli {

namespace {

const char *const check_query =
    "SELECT checker, description, severity, ok, detail FROM ivory.check($1)";
const char *const schema_diff_query = "SELECT object_type, object_name, attribute, source_value, "
                                      "target_value FROM ivory.schema_diff($1)";

// An unknown severity (a newer extension's) counts as an error.
CheckResult read_check_row(const PGresult *result, int row) {
    CheckResult check;
    check.checker = field(result, row, "checker").value_or("");
    check.description = field(result, row, "description").value_or("");
    check.severity =
        parse_severity(field(result, row, "severity").value_or("")).value_or(Severity::error);
    check.ok = boolean_field(result, row, "ok").value_or(false);
    check.detail = field(result, row, "detail").value_or("");
    return check;
}

// Writes the differences as an HTML page and tells where, at `level` (that of
// the failed schema check), so it shows wherever the failure shows.
void report_schema_differences(PGconn *target, const Invocation &invocation,
                               const std::string &source, LogLevel level, const Logger &log) {
    const Result result = run_query(target, schema_diff_query, {source}, log,
                                    "could not read the schema differences");
    if (!result)
        return;
    const auto now = std::chrono::system_clock::now();
    SchemaDiffReport report;
    report.source_description = describe_connection(connection_keywords(invocation.global.source));
    report.target_description = describe_connected(target);
    report.generated_at = utc_timestamp(now);
    for (int row = 0; row < PQntuples(result.get()); ++row)
        report.rows.push_back(SchemaDiffRow{field(result.get(), row, "object_type").value_or(""),
                                            field(result.get(), row, "object_name").value_or(""),
                                            field(result.get(), row, "attribute").value_or(""),
                                            field(result.get(), row, "source_value"),
                                            field(result.get(), row, "target_value")});

    const char *tmpdir = std::getenv("TMPDIR");
    const std::optional<std::string> path = write_new_file(
        schema_diff_path_template(tmpdir ? tmpdir : "", now), render_schema_diff_html(report), log);
    if (!path)
        return;
    log.log(level, "schema differences written to " + *path);
    // A browser only helps someone sitting at a terminal, not a script or a
    // scheduler.
    if (!invocation.options.check.no_webbrowser && isatty(STDOUT_FILENO))
        open_in_browser(*path, log);
}

} // namespace

void define_check_options(CLI::App &command, CommandOptions &options, const EnvironmentLookup &) {
    command.add_flag("--no-webbrowser", options.check.no_webbrowser,
                     "Do not open the schema differences in a web browser.");
}

ExitCode run_check(const Invocation &invocation) {
    const Logger log("ivory.check");
    const Connection target = connect_target(invocation.global.target, log);
    if (!target || !ensure_extension(target.get(), log))
        return ExitCode::failure;

    const std::string source = build_conninfo(invocation.global.source);
    const Result result = run_query(target.get(), check_query, {source}, log);
    if (!result)
        return ExitCode::failure;

    int failures = 0;
    int warnings = 0;
    std::optional<LogLevel> schema_failure;
    const int rows = PQntuples(result.get());
    for (int row = 0; row < rows; ++row) {
        const CheckResult check = read_check_row(result.get(), row);
        log.log(log_level_of(check), log_message_of(check));
        if (fails_command(check))
            ++failures;
        else if (!check.ok)
            ++warnings;
        if (!check.ok && check.checker == "schema")
            schema_failure = log_level_of(check);
    }
    if (schema_failure)
        report_schema_differences(target.get(), invocation, source, *schema_failure, log);
    if (invocation.global.json)
        print_result_as_json(result.get(), std::cout);

    if (failures > 0)
        return ExitCode::failure;
    if (warnings == 0)
        log.info("databases are ready: all " + std::to_string(rows) + " checks passed");
    else
        log.info("databases are ready with " + std::to_string(warnings) +
                 " warning(s): " + std::to_string(rows - warnings) + " of " + std::to_string(rows) +
                 " checks passed");
    return ExitCode::ok;
}

} // namespace ivory::cli
