// ivory replication create|start|status|stop|drop: each is one call of the
// ivory.replication_* function of the same name in the target database, with
// every value sent as a bind parameter and passed by parameter name.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "json_output.hpp"
#include "replication_report.hpp"
#include "report_file.hpp"
#include "status_watch.hpp"
#include "target.hpp"

namespace ivory::cli {

namespace {

constexpr double default_watch_seconds = 2;

// An empty replication password (neither option nor variable given) goes as
// NULL: the function keeps the password stored in the subscription or makes a
// random one.
const char *const create_query =
    "SELECT object_type, object_name, action FROM ivory.replication_create("
    "source => $1, publication_name => $2, subscription_name => $3, "
    "replication_password => NULLIF($4, ''), skip_checks => $5::boolean, "
    "drop_replication_user => $6::boolean, track_ddl => $7::boolean)";
// The CLI waits itself (--wait), so that it can show the progress, and the
// copy goes on in the server's workers whatever happens to the CLI.
const char *const start_query =
    "SELECT ivory.replication_start(subscription_name => $1, refresh => $2::boolean, "
    "fail_on_already_started => $3::boolean, native_copy => $4::boolean, "
    "jobs => NULLIF($5, '')::integer, "
    "split_tables_larger_than => pg_catalog.pg_size_bytes(NULLIF($6, ''))) AS message";
// Without any --source-* option the source goes as NULL: the function reaches
// it through the subscription's own connection.
const char *const status_query =
    "SELECT item, name, state, severity, detail, bytes_copied, bytes_total, percent, "
    "lag_bytes, age_seconds "
    "FROM ivory.replication_status(subscription_name => $1, source => NULLIF($2, ''))";
const char *const stop_query = "SELECT ivory.replication_stop(subscription_name => $1, "
                               "fail_on_already_stopped => $2::boolean) AS message";
const char *const ddl_query =
    "SELECT id, state, recorded_at, role_name, search_path, command_tag, objects, command, "
    "detail FROM ivory.replication_ddl(subscription_name => $1, source => NULLIF($2, ''))";
const char *const ddl_skip_query =
    "SELECT ivory.replication_ddl_skip($1::bigint, subscription_name => $2, "
    "source => NULLIF($3, '')) AS message";
const char *const ddl_retry_query =
    "SELECT ivory.replication_ddl_retry($1::bigint, subscription_name => $2, "
    "source => NULLIF($3, '')) AS message";
const char *const drop_query =
    "SELECT object_type, object_name, action FROM ivory.replication_drop("
    "source => $1, publication_name => $2, subscription_name => $3, drop_user => $4::boolean)";
const char *const reverse_drop_query =
    "SELECT object_type, object_name, action FROM ivory.reverse_replication_drop("
    "source => $1, publication_name => $2, subscription_name => $3)";

const Logger &replication_log() {
    static const Logger log("ivory.replication");
    return log;
}

std::string sql_boolean(bool value) {
    return value ? "true" : "false";
}

// The target with the extension in it; null when that failed (logged).
Connection prepared_target(const Invocation &invocation) {
    Connection target = connect_target(invocation.global.target, replication_log());
    if (!target || !ensure_extension(target.get(), replication_log()))
        return nullptr;
    return target;
}

// Runs a function that returns (object_type, object_name, action) rows and
// logs each; false when the call failed (logged).
bool run_actions(const Invocation &invocation, const char *query,
                 const std::vector<std::string> &parameters, const std::string &failing_step) {
    const Connection target = prepared_target(invocation);
    if (!target)
        return false;
    const Result result =
        run_query(target.get(), query, parameters, replication_log(), failing_step);
    if (!result)
        return false;
    for (int row = 0; row < PQntuples(result.get()); ++row)
        replication_log().info(action_message(field(result.get(), row, "object_type").value_or(""),
                                              field(result.get(), row, "object_name").value_or(""),
                                              field(result.get(), row, "action").value_or("")));
    return true;
}

// Runs start or stop, whose first parameter is the subscription name, and
// logs the message it returns ("subscription ivory_subscription: started").
bool run_message(const Invocation &invocation, const char *query,
                 const std::vector<std::string> &parameters, const std::string &what) {
    const Connection target = prepared_target(invocation);
    if (!target)
        return false;
    const Result result =
        run_query(target.get(), query, parameters, replication_log(), "could not " + what);
    if (!result)
        return false;
    if (PQntuples(result.get()) > 0)
        replication_log().info("subscription " + parameters.front() + ": " +
                               field(result.get(), 0, "message").value_or("(no answer)"));
    return true;
}

// A word this build does not know reads as unknown, and an unknown severity
// as an error, so that nothing new can make `status` pass by accident.
StatusEntry read_status_row(const PGresult *result, int row) {
    StatusEntry entry;
    entry.item =
        parse_status_item(field(result, row, "item").value_or("")).value_or(StatusItem::unknown);
    entry.name = field(result, row, "name").value_or("");
    entry.state =
        parse_item_state(field(result, row, "state").value_or("")).value_or(ItemState::unknown);
    entry.severity =
        parse_severity(field(result, row, "severity").value_or("")).value_or(Severity::error);
    entry.detail = field(result, row, "detail").value_or("");
    entry.bytes_copied = number_field(result, row, "bytes_copied");
    entry.bytes_total = number_field(result, row, "bytes_total");
    entry.lag_bytes = number_field(result, row, "lag_bytes");
    entry.age_seconds = number_field(result, row, "age_seconds");
    return entry;
}

void add_publication_name(CLI::App &command, std::string &name) {
    command.add_option("--publication-name", name, "Name of the publication on the source.")
        ->capture_default_str();
}

void add_subscription_name(CLI::App &command, std::string &name) {
    command.add_option("--subscription-name", name, "Name of the subscription on the target.")
        ->capture_default_str();
}

} // namespace

void define_replication_create_options(CLI::App &command, CommandOptions &options,
                                       const EnvironmentLookup &environment) {
    ReplicationCreateOptions &create = options.replication_create;
    command.add_flag("--skip-checks", create.skip_checks, "Do not run the readiness checks first.");
    command.add_flag("--drop-replication-user", create.drop_replication_user,
                     "Drop and re-create the replication user if it exists.");
    command.add_flag("--track-ddl", create.track_ddl,
                     "Record each DDL command on the source (an event trigger; needs a "
                     "superuser there) and apply it here at its place in the stream.");
    add_publication_name(command, create.publication_name);
    add_subscription_name(command, create.subscription_name);
    if (std::optional<std::string> password = environment("REPLICATION_PASSWORD"))
        create.replication_password = *password;
    // The default is never displayed: it is a password.
    command.add_option("--replication-password", create.replication_password,
                       "Password of the replication user. Read from $REPLICATION_PASSWORD; "
                       "kept or random when unset.");
}

ExitCode run_replication_create(const Invocation &invocation) {
    const ReplicationCreateOptions &create = invocation.options.replication_create;
    if (!run_actions(invocation, create_query,
                     {build_conninfo(invocation.global.source), create.publication_name,
                      create.subscription_name, create.replication_password,
                      sql_boolean(create.skip_checks), sql_boolean(create.drop_replication_user),
                      sql_boolean(create.track_ddl)},
                     "could not create replication"))
        return ExitCode::failure;
    replication_log().info("replication is set up; 'ivory replication start' begins the "
                           "initial copy");
    return ExitCode::ok;
}

void define_replication_start_options(CLI::App &command, CommandOptions &options,
                                      const EnvironmentLookup &) {
    ReplicationStartOptions &start = options.replication_start;
    command.add_flag("--fail-on-already-started", start.fail_on_already_started,
                     "Fail if replication is already running.");
    add_subscription_name(command, start.subscription_name);
    command.add_flag_callback(
        "--no-refresh", [&start] { start.refresh = false; },
        "Do not pick up tables added to the publication since replication was created.");
    command.add_flag("--native-copy", start.native_copy,
                     "Leave the initial copy to PostgreSQL's table-sync workers (indexes "
                     "maintained row by row) instead of ivory's background workers.");
    command.add_flag("--wait", start.wait,
                     "Return once every table is copied and ready, showing the progress; "
                     "the copy goes on in the server if this command is interrupted.");
    command
        .add_option("--jobs", start.jobs,
                    "Number of background workers for ivory's initial copy (default: what "
                    "the target's cores and free worker slots allow, at most 4).")
        ->check(CLI::Range(1, 64));
    command
        .add_option("--split-tables-larger-than", start.split_tables_larger_than,
                    "Copy a table larger than SIZE (bytes, or with a unit: 500MB, 2GB) in key "
                    "or block ranges, by several workers at once (default 1GB).")
        ->type_name("SIZE");
}

void define_replication_status_options(CLI::App &command, CommandOptions &options,
                                       const EnvironmentLookup &) {
    ReplicationStatusOptions &status = options.replication_status;
    add_subscription_name(command, status.subscription_name);
    command.add_flag("--collapse-initializing-relations", status.collapse_initializing_relations,
                     "Summarize tables waiting for their initial copy in one line.");
    command
        .add_option_function<std::vector<std::string>>(
            "--watch",
            [&status](const std::vector<std::string> &values) {
                status.watch_seconds = default_watch_seconds;
                if (values.empty() || values.front().empty())
                    return;
                char *end = nullptr;
                const double seconds = std::strtod(values.front().c_str(), &end);
                if (*end != '\0' || !(seconds > 0) || seconds > 86400)
                    throw CLI::ValidationError("--watch", "SECONDS must be a number above 0: " +
                                                              values.front());
                status.watch_seconds = seconds;
            },
            "Show the status again every SECONDS (default 2) until interrupted: redrawn in "
            "place on a terminal, with a progress bar, bytes, rate and time left per table "
            "being copied; plain timestamped lines otherwise.")
        ->expected(0, 1)
        ->type_name("[SECONDS]");
}

namespace {

volatile std::sig_atomic_t watch_interrupted = 0;

extern "C" void stop_watching(int) {
    watch_interrupted = 1;
}

// ivory.replication_status's result; null when the call failed (logged).
Result query_status(PGconn *target, const Invocation &invocation) {
    const ReplicationStatusOptions &status = invocation.options.replication_status;
    return run_query(target, status_query,
                     {status.subscription_name, build_conninfo(invocation.global.source)},
                     replication_log(), "could not read the replication status");
}

std::vector<StatusEntry> status_rows(const PGresult *result) {
    std::vector<StatusEntry> rows;
    for (int row = 0; row < PQntuples(result); ++row)
        rows.push_back(read_status_row(result, row));
    return rows;
}

double monotonic_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// --watch: until SIGINT or SIGTERM (or a failed query), the status every so
// many seconds on standard output; exits as a plain status would have on the
// last one.
ExitCode watch_status(PGconn *target, const Invocation &invocation, double interval) {
    struct sigaction action {};
    action.sa_handler = stop_watching;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    const bool terminal = isatty(STDOUT_FILENO) == 1;
    std::optional<WatchSample> previous;
    bool ready = false;
    while (!watch_interrupted) {
        const Result result = query_status(target, invocation);
        if (!result)
            return ExitCode::failure;
        const std::vector<StatusEntry> rows = status_rows(result.get());
        const double now = monotonic_seconds();
        const std::vector<std::string> lines = watch_lines(rows, previous, now);
        previous = sample_of(rows, now);
        ready = report_status(rows, false).ready;
        const std::string stamp = utc_timestamp(std::chrono::system_clock::now());
        if (terminal) {
            // Home, clear to the end of the screen, then the whole screen.
            std::cout << "\033[H\033[J"
                      << "ivory replication status every " << human_duration(interval) << " - "
                      << stamp << "\n\n";
            for (const std::string &line : lines)
                std::cout << line << "\033[K\n";
        } else {
            for (const std::string &line : lines)
                std::cout << stamp << " " << line << '\n';
        }
        std::cout.flush();
        for (double waited = 0; waited < interval && !watch_interrupted; waited += 0.1)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ready ? ExitCode::ok : ExitCode::failure;
}

} // namespace

namespace {

// start --wait: the status every few seconds until every table is ready
// (exit 0) or the copy stopped (exit 1), its progress logged as it changes.
ExitCode wait_until_ready(PGconn *target, const Invocation &invocation,
                          const std::string &subscription_name) {
    std::string last_progress;
    for (;;) {
        const Result result = run_query(
            target, status_query, {subscription_name, build_conninfo(invocation.global.source)},
            replication_log(), "could not read the replication status");
        if (!result)
            return ExitCode::failure;
        const std::vector<StatusEntry> rows = status_rows(result.get());
        if (report_status(rows, false).ready) {
            for (const StatusEntry &row : rows)
                if (row.item == StatusItem::initial_copy)
                    replication_log().info("initial copy done: " + row.detail);
            replication_log().info("subscription " + subscription_name +
                                   ": every table is copied and ready");
            return ExitCode::ok;
        }
        for (const StatusEntry &row : rows) {
            if (row.item != StatusItem::initial_copy || row.state == ItemState::copied)
                continue;
            if (row.state != ItemState::running) {
                replication_log().error("initial copy: " + std::string(state_word(row.state)) +
                                        " - " + row.detail);
                return ExitCode::failure;
            }
            if (row.detail != last_progress)
                replication_log().info("initial copy: " + row.detail);
            last_progress = row.detail;
        }
        std::this_thread::sleep_for(std::chrono::seconds(2));
    }
}

} // namespace

ExitCode run_replication_start(const Invocation &invocation) {
    const ReplicationStartOptions &start = invocation.options.replication_start;
    const Connection target = prepared_target(invocation);
    if (!target)
        return ExitCode::failure;
    const Result result =
        run_query(target.get(), start_query,
                  {start.subscription_name, sql_boolean(start.refresh),
                   sql_boolean(start.fail_on_already_started), sql_boolean(start.native_copy),
                   start.jobs ? std::to_string(*start.jobs) : "", start.split_tables_larger_than},
                  replication_log(), "could not start replication");
    if (!result)
        return ExitCode::failure;
    if (PQntuples(result.get()) > 0)
        replication_log().info("subscription " + start.subscription_name + ": " +
                               field(result.get(), 0, "message").value_or("(no answer)"));
    if (!start.wait)
        return ExitCode::ok;
    return wait_until_ready(target.get(), invocation, start.subscription_name);
}

ExitCode run_replication_status(const Invocation &invocation) {
    const ReplicationStatusOptions &status = invocation.options.replication_status;
    const Connection target = prepared_target(invocation);
    if (!target)
        return ExitCode::failure;
    if (status.watch_seconds)
        return watch_status(target.get(), invocation, *status.watch_seconds);
    const Result result = query_status(target.get(), invocation);
    if (!result)
        return ExitCode::failure;
    const StatusReport report =
        report_status(status_rows(result.get()), status.collapse_initializing_relations);
    for (const StatusLine &line : report.lines)
        replication_log().log(line.level, line.message);
    if (invocation.global.json)
        print_result_as_json(result.get(), std::cout);
    return report.ready ? ExitCode::ok : ExitCode::failure;
}

void define_replication_stop_options(CLI::App &command, CommandOptions &options,
                                     const EnvironmentLookup &) {
    ReplicationStopOptions &stop = options.replication_stop;
    command.add_flag("--fail-on-already-stopped", stop.fail_on_already_stopped,
                     "Fail if replication is already stopped.");
    add_subscription_name(command, stop.subscription_name);
}

ExitCode run_replication_stop(const Invocation &invocation) {
    const ReplicationStopOptions &stop = invocation.options.replication_stop;
    return run_message(invocation, stop_query,
                       {stop.subscription_name, sql_boolean(stop.fail_on_already_stopped)},
                       "stop replication")
               ? ExitCode::ok
               : ExitCode::failure;
}

void define_replication_ddl_options(CLI::App &command, CommandOptions &options,
                                    const EnvironmentLookup &) {
    ReplicationDdlOptions &ddl = options.replication_ddl;
    add_subscription_name(command, ddl.subscription_name);
    CLI::Option *skip = command.add_option(
        "--skip", ddl.skip,
        "Go on past recorded command ID without running it (the target has what it makes).");
    CLI::Option *retry =
        command.add_option("--retry", ddl.retry, "Run recorded command ID again now.");
    skip->excludes(retry);
    retry->excludes(skip);
}

// Lists the recorded commands, or skips or retries one; exit 1 while one
// has failed.
ExitCode run_replication_ddl(const Invocation &invocation) {
    const ReplicationDdlOptions &ddl = invocation.options.replication_ddl;
    const std::string source = build_conninfo(invocation.global.source);
    if (ddl.skip || ddl.retry)
        return run_message(invocation, ddl.skip ? ddl_skip_query : ddl_retry_query,
                           {std::to_string(ddl.skip ? *ddl.skip : *ddl.retry),
                            ddl.subscription_name, source},
                           ddl.skip ? "skip the DDL command" : "retry the DDL command")
                   ? ExitCode::ok
                   : ExitCode::failure;
    const Connection target = prepared_target(invocation);
    if (!target)
        return ExitCode::failure;
    const Result result = run_query(target.get(), ddl_query, {ddl.subscription_name, source},
                                    replication_log(), "could not list the DDL commands");
    if (!result)
        return ExitCode::failure;
    bool failed = false;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        const std::string state = field(result.get(), row, "state").value_or("");
        std::string line = field(result.get(), row, "id").value_or("") + " " + state + ": " +
                           field(result.get(), row, "command_tag").value_or("") + " by " +
                           field(result.get(), row, "role_name").value_or("") + " at " +
                           field(result.get(), row, "recorded_at").value_or("") + ": " +
                           field(result.get(), row, "command").value_or("");
        if (const std::optional<std::string> detail = field(result.get(), row, "detail"))
            line += " (" + *detail + ")";
        failed = failed || state == "failed";
        if (state == "failed")
            replication_log().error(line);
        else if (state == "pending" || state == "copied")
            replication_log().warning(line);
        else
            replication_log().info(line);
    }
    if (PQntuples(result.get()) == 0)
        replication_log().info("no DDL command is recorded on the source");
    if (invocation.global.json)
        print_result_as_json(result.get(), std::cout);
    return failed ? ExitCode::failure : ExitCode::ok;
}

void define_replication_drop_options(CLI::App &command, CommandOptions &options,
                                     const EnvironmentLookup &) {
    ReplicationDropOptions &drop = options.replication_drop;
    add_publication_name(command, drop.publication_name);
    add_subscription_name(command, drop.subscription_name);
    command.add_flag_callback(
        "--no-drop-user", [&drop] { drop.drop_user = false; }, "Keep the replication user.");
    command.add_flag("--reverse", drop.reverse,
                     "Give up the way back 'switchover --reverse' left: drop the source's "
                     "subscription, its slot and the publication on the target. The source "
                     "stays read-only ('ivory unlock-source' makes it writable).");
}

ExitCode run_replication_drop(const Invocation &invocation) {
    const ReplicationDropOptions &drop = invocation.options.replication_drop;
    if (drop.reverse) {
        if (!run_actions(invocation, reverse_drop_query,
                         {build_conninfo(invocation.global.source), drop.publication_name,
                          drop.subscription_name},
                         "could not drop the way back"))
            return ExitCode::failure;
        replication_log().info("the way back is given up; the source stays read-only: 'ivory "
                               "unlock-source' makes it writable");
        return ExitCode::ok;
    }
    return run_actions(invocation, drop_query,
                       {build_conninfo(invocation.global.source), drop.publication_name,
                        drop.subscription_name, sql_boolean(drop.drop_user)},
                       "could not drop replication")
               ? ExitCode::ok
               : ExitCode::failure;
}

} // namespace ivory::cli
