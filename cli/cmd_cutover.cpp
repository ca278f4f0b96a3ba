// ivory verify, ivory switchover, ivory switchback and ivory unlock-source:
// each is one call of ivory.verify_data, ivory.switchover, ivory.switchback or
// ivory.unlock_source in the target database, every value sent as a bind
// parameter and passed by parameter name.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "../src/core/strings.hpp"
#include "all_databases.hpp"
#include "commands.hpp"
#include "cutover_report.hpp"
#include "json_output.hpp"
#include "report_file.hpp"
#include "switchover_report.hpp"
#include "target.hpp"

namespace ivory::cli {

namespace {

const char *const verify_query =
    "SELECT table_name, source_rows, target_rows, matches, detail FROM ivory.verify_data("
    "source => $1, publication_name => $2, subscription_name => $3, "
    "jobs => NULLIF($4, '')::integer)";
const char *const switchover_query =
    "SELECT step, seconds, detail, evidence FROM ivory.switchover(source => $1, "
    "max_lag => $2::bigint, timeout_seconds => $3::double precision, lock_source => $4::boolean, "
    "publication_name => $5, subscription_name => $6, verify_in_window => $7::boolean, "
    "force => $8::boolean, jobs => NULLIF($9, '')::integer, dry_run => $10::boolean, "
    "reverse_conninfo => NULLIF($11, ''), phase => $12, "
    "modification_counts => NULLIF($13, '')::jsonb)";
const char *const switchback_query =
    "SELECT step, seconds, detail, evidence FROM ivory.switchback(source => $1, "
    "max_lag => $2::bigint, timeout_seconds => $3::double precision, publication_name => $4, "
    "subscription_name => $5, verify_in_window => $6::boolean, force => $7::boolean, "
    "jobs => NULLIF($8, '')::integer)";
// The report's checks: the same as `ivory check`.
const char *const report_checks_query =
    "SELECT checker, description, severity, ok, detail FROM ivory.check($1)";
const char *const unlock_query = "SELECT ivory.unlock_source(source => $1) AS message";

std::string sql_boolean(bool value) {
    return value ? "true" : "false";
}

// The target with the extension in it; null when that failed (logged).
Connection prepared_target(const Invocation &invocation, const Logger &log) {
    Connection target = connect_target(invocation.global.target, log);
    if (!target || !ensure_extension(target.get(), log))
        return nullptr;
    return target;
}

void add_publication_name(CLI::App &command, std::string &name) {
    command.add_option("--publication-name", name, "Name of the publication on the source.")
        ->capture_default_str();
}

void add_subscription_name(CLI::App &command, std::string &name) {
    command.add_option("--subscription-name", name, "Name of the subscription on the target.")
        ->capture_default_str();
}

void add_verify_jobs(CLI::App &command, std::optional<int> &jobs) {
    command
        .add_option("--jobs", jobs,
                    "Number of connections to the source that hash tables at once while the "
                    "target hashes the one before (default 2).")
        ->check(CLI::Range(1, 16));
}

void add_max_lag_and_timeout(CLI::App &command, long long &max_lag, double &timeout,
                             const std::string &locked) {
    command
        .add_option("--max-lag", max_lag,
                    "Wait until the replication lag is at most this many bytes before locking "
                    "the " +
                        locked + ".")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command
        .add_option("--timeout", timeout,
                    "Give up (and say how to unlock the " + locked +
                        ") after this many seconds of waiting.")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
}

std::string optional_number(const std::optional<int> &number) {
    return number ? std::to_string(*number) : "";
}

} // namespace

void define_verify_options(CLI::App &command, CommandOptions &options, const EnvironmentLookup &) {
    add_publication_name(command, options.verify.publication_name);
    add_subscription_name(command, options.verify.subscription_name);
    add_verify_jobs(command, options.verify.jobs);
}

ExitCode run_verify(const Invocation &invocation) {
    static const Logger log("ivory.verify");
    const Connection target = prepared_target(invocation, log);
    if (!target)
        return ExitCode::failure;
    const Result result = run_query(target.get(), verify_query,
                                    {build_conninfo(invocation.global.source),
                                     invocation.options.verify.publication_name,
                                     invocation.options.verify.subscription_name,
                                     optional_number(invocation.options.verify.jobs)},
                                    log, "could not verify the data");
    if (!result)
        return ExitCode::failure;
    std::vector<TableVerdict> rows;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        rows.push_back(TableVerdict{field(result.get(), row, "table_name").value_or(""),
                                    number_field(result.get(), row, "source_rows"),
                                    number_field(result.get(), row, "target_rows"),
                                    boolean_field(result.get(), row, "matches"),
                                    field(result.get(), row, "detail").value_or("")});
        log.log(verify_level(rows.back()), verify_message(rows.back()));
    }
    const bool failed = verify_fails(rows);
    log.log(failed ? LogLevel::error : LogLevel::info, verify_summary(rows));
    if (invocation.global.json)
        print_result_as_json(result.get(), std::cout);
    return failed ? ExitCode::failure : ExitCode::ok;
}

void define_switchover_options(CLI::App &command, CommandOptions &options,
                               const EnvironmentLookup &) {
    SwitchoverOptions &switchover = options.switchover;
    add_max_lag_and_timeout(command, switchover.max_lag, switchover.timeout, "source");
    command.add_flag_callback(
        "--no-lock-source", [&switchover] { switchover.lock_source = false; },
        "Do not make the source read-only nor end its other sessions.");
    add_publication_name(command, switchover.publication_name);
    add_subscription_name(command, switchover.subscription_name);
    command.add_flag("--verify-in-window", switchover.verify_in_window,
                     "Verify every table again while the source is read-only, rather than "
                     "compare the row counts of the tables written since the online verify.");
    command.add_flag("--force", switchover.force,
                     "Lock the source even when sessions or prepared transactions found before "
                     "the lock would hold it up (the lock ends the sessions).");
    add_verify_jobs(command, switchover.jobs);
    command.add_flag("--dry-run", switchover.dry_run,
                     "Rehearse: lock nothing and change nothing, but measure how long each step "
                     "takes now, name what would hold up the lock and forecast the read-only "
                     "window. Exits 1 when a switchover now would stop.");
    command
        .add_option("--report", switchover.report,
                    "Write the evidence (checks, each step's time, each table's verdict with "
                    "its hashes, the LSN of the switch) to this file: JSON when it ends in "
                    ".json, else Markdown.")
        ->type_name("FILE");
    command.add_flag("--reverse", switchover.reverse,
                     "Leave the way back: end with a replication from the target to the source, "
                     "from the switch point on and copying nothing, so that the source (still "
                     "read-only for everyone else) follows the target until 'ivory switchback' "
                     "returns to it. The source reaches the target as the --target-* options "
                     "do.");
}

namespace {

// What a rehearsal found that would stop a switchover now, from the steps'
// evidence: tables not ready, blockers (unless forced), tables that differ.
std::vector<std::string> rehearsal_stoppers(const nlohmann::ordered_json &steps, bool force) {
    std::vector<std::string> stoppers;
    for (const nlohmann::ordered_json &row : steps) {
        const nlohmann::ordered_json evidence = row.value("evidence", nlohmann::ordered_json());
        if (!evidence.is_object())
            continue;
        for (const auto &waiting : evidence.value("waiting_for", nlohmann::ordered_json::array()))
            stoppers.push_back("waiting for " + waiting.get<std::string>());
        if (!force)
            for (const auto &blocker : evidence.value("blocking", nlohmann::ordered_json::array()))
                stoppers.push_back(blocker.get<std::string>());
        if (row.value("step", "") == cutover_step_word(CutoverStep::verify_online))
            for (const auto &table : evidence.value("tables", nlohmann::ordered_json::array()))
                if (table.value("matches", nlohmann::ordered_json()) == false)
                    stoppers.push_back(table.value("table", "") + " differs");
    }
    return stoppers;
}

} // namespace

ExitCode run_switchover(const Invocation &invocation) {
    static const Logger log("ivory.switchover");
    const SwitchoverOptions &switchover = invocation.options.switchover;
    const Connection target = prepared_target(invocation, log);
    if (!target)
        return ExitCode::failure;
    const std::string source = build_conninfo(invocation.global.source);
    SwitchoverReportInput report;
    report.dry_run = switchover.dry_run;
    if (!switchover.report.empty()) {
        // A report that cannot be written is found before anything happens.
        if (!write_file(switchover.report, "", log))
            return ExitCode::failure;
        report.generated_at = utc_timestamp(std::chrono::system_clock::now());
        report.source = describe_connection(connection_keywords(invocation.global.source));
        report.target = describe_connected(target.get());
        const Result checks =
            run_query(target.get(), report_checks_query, {source}, log, "could not run the checks");
        if (!checks)
            return ExitCode::failure;
        report.checks = result_rows(checks.get());
    }
    if (switchover.dry_run)
        log.info("rehearsing the switchover (--dry-run): every step measured, nothing locked "
                 "or changed");
    else
        log.info("switching over: waiting for the target to catch up" +
                 std::string(switchover.lock_source ? ", then locking the source" : ""));
    const Result result =
        run_query(target.get(), switchover_query,
                  {source, std::to_string(switchover.max_lag), sql_double(switchover.timeout),
                   sql_boolean(switchover.lock_source), switchover.publication_name,
                   switchover.subscription_name, sql_boolean(switchover.verify_in_window),
                   sql_boolean(switchover.force), optional_number(switchover.jobs),
                   sql_boolean(switchover.dry_run),
                   switchover.reverse ? reached_conninfo(target.get()) : "", "all", ""},
                  log, switchover.dry_run ? "the rehearsal failed" : "switchover failed");
    if (!result) {
        if (!switchover.report.empty()) {
            report.error = PQerrorMessage(target.get());
            while (!report.error.empty() && report.error.back() == '\n')
                report.error.pop_back();
            write_switchover_report(switchover.report, report, log);
        }
        if (switchover.lock_source && !switchover.dry_run)
            log.info("if the source database was made read-only, 'ivory unlock-source' (with "
                     "the same --source-* options) makes it writable again");
        return ExitCode::failure;
    }
    for (int row = 0; row < PQntuples(result.get()); ++row)
        log.info(switchover_message(SwitchoverStep{field(result.get(), row, "step").value_or(""),
                                                   decimal_field(result.get(), row, "seconds"),
                                                   field(result.get(), row, "detail").value_or("")},
                                    switchover.dry_run));
    report.steps = result_rows(result.get());
    bool written = true; // the report, when one is asked for
    if (!switchover.report.empty())
        written = write_switchover_report(switchover.report, report, log);
    if (invocation.global.json)
        print_result_as_json(result.get(), std::cout);
    if (switchover.dry_run) {
        const std::vector<std::string> stoppers =
            rehearsal_stoppers(report.steps, switchover.force);
        if (!stoppers.empty()) {
            log.error("dry run: a switchover now would stop: " + join(stoppers, "; "));
            return ExitCode::failure;
        }
        log.info("dry run complete: nothing was locked or changed; a switchover now would go "
                 "through");
        return written ? ExitCode::ok : ExitCode::failure;
    }
    // A report lost now (logged) does not undo a switchover that happened:
    // its exit status stays that of the switchover.
    if (switchover.reverse)
        log.info("switchover complete: the source follows the target through the way back; "
                 "'ivory switchback' returns to it, 'ivory replication drop --reverse' gives it "
                 "up");
    else
        log.info("switchover complete: the target database is on its own now");
    return ExitCode::ok;
}

namespace {

// One database's part of switchover --all-databases: its connection, and what
// its prepare phase found for the finish.
struct DatabaseSwitchover {
    std::string name;
    Connection target;
    std::string source;
    SwitchoverOptions options;       // its own subscription's name among them
    std::string modification_counts; // of prepare's 'verify data online'
    bool online_open = false;        // a table left changing: verified fully in the window
};

// Runs one phase for one database, logging its steps as "database NAME: ...";
// the result, null when it failed (logged).
Result run_phase(DatabaseSwitchover &database, const std::string &phase, const Logger &log) {
    const SwitchoverOptions &switchover = database.options;
    const bool finishing = phase == "finish";
    Result result = run_query(
        database.target.get(), switchover_query,
        {database.source, std::to_string(switchover.max_lag), sql_double(switchover.timeout),
         "true", switchover.publication_name, switchover.subscription_name,
         sql_boolean(switchover.verify_in_window || (finishing && database.online_open)),
         sql_boolean(switchover.force), optional_number(switchover.jobs), "false",
         switchover.reverse && phase != "lock" ? reached_conninfo(database.target.get()) : "",
         phase, finishing ? database.modification_counts : ""},
        log, "database " + database.name + ": switchover's " + phase + " failed");
    if (!result)
        return nullptr;
    for (int row = 0; row < PQntuples(result.get()); ++row)
        log.info("database " + database.name + ": " +
                 switchover_message(SwitchoverStep{field(result.get(), row, "step").value_or(""),
                                                   decimal_field(result.get(), row, "seconds"),
                                                   field(result.get(), row, "detail").value_or("")},
                                    false));
    return result;
}

// What 'finish' needs of prepare's rows: the counts, and whether a table was
// left changing.
void remember_prepared(DatabaseSwitchover &database, const PGresult *result) {
    for (const nlohmann::ordered_json &row : result_rows(result)) {
        if (row.value("step", "") != cutover_step_word(CutoverStep::verify_online))
            continue;
        const nlohmann::ordered_json evidence = row.value("evidence", nlohmann::ordered_json());
        if (!evidence.is_object())
            continue;
        database.modification_counts =
            evidence.value("modification_counts", nlohmann::ordered_json::array()).dump();
        for (const auto &table : evidence.value("tables", nlohmann::ordered_json::array()))
            if (table.value("matches", nlohmann::ordered_json()) != true)
                database.online_open = true;
    }
}

std::string names_of(const std::vector<DatabaseSwitchover> &databases, size_t count) {
    std::vector<std::string> names;
    for (size_t i = 0; i < count && i < databases.size(); ++i)
        names.push_back(databases[i].name);
    return names.empty() ? "none" : join(names, ", ");
}

} // namespace

ExitCode run_switchover_all_databases(const Invocation &invocation,
                                      const std::vector<std::string> &names) {
    static const Logger log("ivory.switchover");
    const SwitchoverOptions &switchover = invocation.options.switchover;
    if (!switchover.lock_source) {
        log.error("switchover --all-databases shares one read-only window: not with "
                  "--no-lock-source");
        return ExitCode::failure;
    }
    std::vector<DatabaseSwitchover> databases;
    for (const std::string &name : names) {
        const Invocation one = for_database(invocation, name);
        Connection target = prepared_target(one, log);
        if (!target)
            return ExitCode::failure;
        databases.push_back({name, std::move(target), build_conninfo(one.global.source),
                             one.options.switchover, "", false});
    }

    log.info("switching over " + std::to_string(databases.size()) +
             " database(s): each waits for sync and is verified online, then all are locked");
    for (DatabaseSwitchover &database : databases) {
        const Result prepared = run_phase(database, "prepare", log);
        if (!prepared) {
            log.info("nothing was locked: every source database stays writable");
            return ExitCode::failure;
        }
        remember_prepared(database, prepared.get());
    }

    const auto locked_at = std::chrono::steady_clock::now();
    const std::string unlock_advice = "the source databases locked so far stay read-only; "
                                      "'ivory --all-databases unlock-source' makes them "
                                      "writable again";
    for (size_t i = 0; i < databases.size(); ++i)
        if (!run_phase(databases[i], "lock", log)) {
            log.info("locked before the failure: " + names_of(databases, i) + "; " + unlock_advice);
            return ExitCode::failure;
        }
    for (size_t i = 0; i < databases.size(); ++i)
        if (!run_phase(databases[i], "finish", log)) {
            log.info("switched over: " + names_of(databases, i) +
                     "; every source database is "
                     "locked, and " +
                     unlock_advice);
            return ExitCode::failure;
        }
    const double window =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - locked_at).count();
    log.info("the source databases were read-only for " + format_seconds(window) +
             ", one window for all " + std::to_string(databases.size()));
    log.info(switchover.reverse
                 ? "switchover complete: each source database follows its target through the "
                   "way back; 'ivory --all-databases switchback' returns them one by one"
                 : "switchover complete: every target database is on its own now");
    return ExitCode::ok;
}

void define_switchback_options(CLI::App &command, CommandOptions &options,
                               const EnvironmentLookup &) {
    SwitchbackOptions &switchback = options.switchback;
    add_max_lag_and_timeout(command, switchback.max_lag, switchback.timeout, "target");
    add_publication_name(command, switchback.publication_name);
    add_subscription_name(command, switchback.subscription_name);
    command.add_flag("--verify-in-window", switchback.verify_in_window,
                     "Verify every table while the target is read-only, rather than compare "
                     "the row counts.");
    command.add_flag("--force", switchback.force,
                     "Lock the target even when sessions or prepared transactions would hold "
                     "it up (the lock ends the sessions).");
    add_verify_jobs(command, switchback.jobs);
}

ExitCode run_switchback(const Invocation &invocation) {
    static const Logger log("ivory.switchback");
    const SwitchbackOptions &switchback = invocation.options.switchback;
    const Connection target = prepared_target(invocation, log);
    if (!target)
        return ExitCode::failure;
    log.info("switching back: waiting for the source to catch up through the way back, then "
             "locking the target");
    const Result result =
        run_query(target.get(), switchback_query,
                  {build_conninfo(invocation.global.source), std::to_string(switchback.max_lag),
                   sql_double(switchback.timeout), switchback.publication_name,
                   switchback.subscription_name, sql_boolean(switchback.verify_in_window),
                   sql_boolean(switchback.force), optional_number(switchback.jobs)},
                  log, "switchback failed");
    if (!result)
        return ExitCode::failure;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        const SwitchoverStep step{field(result.get(), row, "step").value_or(""),
                                  decimal_field(result.get(), row, "seconds"),
                                  field(result.get(), row, "detail").value_or("")};
        log.info(parse_cutover_step(step.step) == CutoverStep::total
                     ? "switchback took " + format_seconds(step.seconds)
                     : switchover_message(step, false));
    }
    if (invocation.global.json)
        print_result_as_json(result.get(), std::cout);
    log.info("switchback complete: the source is the primary again and writable; the target "
             "database stays read-only");
    return ExitCode::ok;
}

void define_unlock_source_options(CLI::App &, CommandOptions &, const EnvironmentLookup &) {}

ExitCode run_unlock_source(const Invocation &invocation) {
    static const Logger log("ivory.unlock");
    const Connection target = prepared_target(invocation, log);
    if (!target)
        return ExitCode::failure;
    const Result result =
        run_query(target.get(), unlock_query, {build_conninfo(invocation.global.source)}, log,
                  "could not unlock the source");
    if (!result)
        return ExitCode::failure;
    if (PQntuples(result.get()) > 0)
        log.info(field(result.get(), 0, "message").value_or("source unlocked"));
    return ExitCode::ok;
}

} // namespace ivory::cli
