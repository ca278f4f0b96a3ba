// Command-line parsing: defaults from the environment, overrides, usage errors
// and help, without running anything.
#include <map>

#include <gtest/gtest.h>

#include "../../cli/command_line.hpp"
#include "../../cli/commands.hpp"

using namespace ivory::cli;

namespace {

EnvironmentLookup fake_environment(std::map<std::string, std::string> variables) {
    return [variables](const std::string &name) -> std::optional<std::string> {
        const auto found = variables.find(name);
        if (found == variables.end())
            return std::nullopt;
        return found->second;
    };
}

ParseResult parse(const std::vector<std::string> &arguments,
                  std::map<std::string, std::string> variables = {}) {
    return parse_command_line(arguments, fake_environment(std::move(variables)));
}

// Parses a command line that must be valid.
Invocation parse_valid(const std::vector<std::string> &arguments,
                       std::map<std::string, std::string> variables = {}) {
    ParseResult result = parse(arguments, std::move(variables));
    EXPECT_TRUE(result.invocation) << result.output;
    return result.invocation ? *result.invocation : Invocation{};
}

void expect_usage_error(const std::vector<std::string> &arguments) {
    const ParseResult result = parse(arguments);
    EXPECT_FALSE(result.invocation);
    EXPECT_EQ(result.exit_code, ExitCode::usage);
    EXPECT_FALSE(result.output.empty());
}

} // namespace

TEST(CliOptions, ExitCodesAreTheDocumentedOnes) {
    EXPECT_EQ(to_status(ExitCode::ok), 0);
    EXPECT_EQ(to_status(ExitCode::failure), 1);
    EXPECT_EQ(to_status(ExitCode::usage), 2);
}

TEST(CliOptions, Defaults) {
    const Invocation invocation = parse_valid({"check"});
    ASSERT_NE(invocation.command, nullptr);
    EXPECT_EQ(invocation.command->full_name(), "check");
    EXPECT_EQ(invocation.global.log_level, LogLevel::info);
    EXPECT_EQ(invocation.global.source.host, "");
    EXPECT_EQ(invocation.global.target.password, "");
    EXPECT_FALSE(invocation.options.check.no_webbrowser);
    EXPECT_EQ(invocation.options.copyschema.maintenance_db, "postgres");
    EXPECT_EQ(invocation.options.replication_create.publication_name, "ivory_publication");
    EXPECT_EQ(invocation.options.replication_drop.subscription_name, "ivory_subscription");
    EXPECT_TRUE(invocation.options.replication_start.refresh);
    EXPECT_TRUE(invocation.options.replication_drop.drop_user);
}

TEST(CliOptions, ConnectionOptionsDefaultToTheEnvironment) {
    const Invocation invocation = parse_valid({"check"}, {{"SOURCE_HOST", "src.example.com"},
                                                          {"SOURCE_PORT", "5433"},
                                                          {"SOURCE_USER", "alice"},
                                                          {"SOURCE_PASSWORD", "s3cret"},
                                                          {"SOURCE_DBNAME", "app"},
                                                          {"TARGET_HOST", "/var/run/postgresql"},
                                                          {"TARGET_PORT", "5434"},
                                                          {"TARGET_USER", "bob"},
                                                          {"TARGET_PASSWORD", "t0p"},
                                                          {"TARGET_DBNAME", "app2"}});
    const ConnectionOptions &source = invocation.global.source;
    const ConnectionOptions &target = invocation.global.target;
    EXPECT_EQ(source.host, "src.example.com");
    EXPECT_EQ(source.port, "5433");
    EXPECT_EQ(source.user, "alice");
    EXPECT_EQ(source.password, "s3cret");
    EXPECT_EQ(source.dbname, "app");
    EXPECT_EQ(target.host, "/var/run/postgresql");
    EXPECT_EQ(target.port, "5434");
    EXPECT_EQ(target.user, "bob");
    EXPECT_EQ(target.password, "t0p");
    EXPECT_EQ(target.dbname, "app2");
}

TEST(CliOptions, AnExplicitOptionOverridesTheEnvironment) {
    const Invocation invocation = parse_valid(
        {"--source-host", "explicit", "--target-dbname=other", "check"},
        {{"SOURCE_HOST", "from-env"}, {"TARGET_DBNAME", "from-env"}, {"TARGET_USER", "envuser"}});
    EXPECT_EQ(invocation.global.source.host, "explicit");
    EXPECT_EQ(invocation.global.target.dbname, "other");
    EXPECT_EQ(invocation.global.target.user, "envuser");
}

TEST(CliOptions, GlobalOptionsAreAcceptedAfterTheCommand) {
    const Invocation invocation =
        parse_valid({"replication", "status", "--target-port", "5434", "-l", "DEBUG"});
    EXPECT_EQ(invocation.global.target.port, "5434");
    EXPECT_EQ(invocation.global.log_level, LogLevel::debug);
}

TEST(CliOptions, LogLevels) {
    EXPECT_EQ(parse_valid({"-l", "WARNING", "check"}).global.log_level, LogLevel::warning);
    EXPECT_EQ(parse_valid({"--log-level", "critical", "check"}).global.log_level,
              LogLevel::critical);
    EXPECT_EQ(parse_valid({"--log-level=ERROR", "check"}).global.log_level, LogLevel::error);
}

TEST(CliOptions, BadLogLevelIsAUsageError) {
    expect_usage_error({"-l", "VERBOSE", "check"});
    expect_usage_error({"--log-level", "", "check"});
}

TEST(CliOptions, MissingOrUnknownCommandIsAUsageError) {
    expect_usage_error({});
    expect_usage_error({"frobnicate"});
    expect_usage_error({"replication"});
    expect_usage_error({"replication", "frobnicate"});
    expect_usage_error({"check", "extra"});
    expect_usage_error({"check", "--no-such-option"});
    expect_usage_error({"--source-host"});
}

TEST(CliOptions, UnknownCommandIsNamed) {
    const ParseResult result = parse({"replication", "frobnicate"});
    EXPECT_NE(result.output.find("frobnicate"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("create"), std::string::npos) << result.output;
}

TEST(CliOptions, HelpAtEveryLevelExitsZero) {
    const std::vector<std::vector<std::string>> asks = {
        {"--help"},
        {"-h"},
        {"check", "--help"},
        {"copyschema", "-h"},
        {"replication", "--help"},
        {"syncsequences", "--help"},
        {"copyroles", "--help"},
    };
    for (const auto &ask : asks) {
        const ParseResult result = parse(ask);
        EXPECT_FALSE(result.invocation);
        EXPECT_EQ(result.exit_code, ExitCode::ok);
        EXPECT_NE(result.output.find("Usage"), std::string::npos) << result.output;
    }
    for (const CommandSpec &command : command_table()) {
        std::vector<std::string> ask;
        if (!command.group.empty())
            ask.emplace_back(command.group);
        ask.emplace_back(command.name);
        ask.emplace_back("--help");
        const ParseResult result = parse(ask);
        EXPECT_EQ(result.exit_code, ExitCode::ok) << command.full_name();
        EXPECT_NE(result.output.find(std::string(command.description)), std::string::npos);
    }
}

TEST(CliOptions, HelpNeverShowsAPassword) {
    const ParseResult result = parse(
        {"--help"}, {{"SOURCE_PASSWORD", "s3cret-source"}, {"TARGET_PASSWORD", "t0p-target"}});
    EXPECT_EQ(result.output.find("s3cret-source"), std::string::npos);
    EXPECT_EQ(result.output.find("t0p-target"), std::string::npos);
    const ParseResult create =
        parse({"replication", "create", "--help"}, {{"REPLICATION_PASSWORD", "r3pl-secret"}});
    EXPECT_EQ(create.output.find("r3pl-secret"), std::string::npos);
}

TEST(CliOptions, EveryCommandIsReachable) {
    for (const CommandSpec &command : command_table()) {
        std::vector<std::string> arguments;
        if (!command.group.empty())
            arguments.emplace_back(command.group);
        arguments.emplace_back(command.name);
        const Invocation invocation = parse_valid(arguments);
        EXPECT_EQ(invocation.command, &command);
    }
}

TEST(CliOptions, CheckOptions) {
    EXPECT_TRUE(parse_valid({"check", "--no-webbrowser"}).options.check.no_webbrowser);
}

TEST(CliOptions, CopySchemaOptions) {
    EXPECT_EQ(parse_valid({"copyschema", "-d", "template1"}).options.copyschema.maintenance_db,
              "template1");
    EXPECT_EQ(
        parse_valid({"copyschema", "--maintenance-db", "m"}).options.copyschema.maintenance_db,
        "m");
}

TEST(CliOptions, ReplicationCreateOptions) {
    const Invocation invocation =
        parse_valid({"replication", "create", "--skip-checks", "--drop-replication-user",
                     "--publication-name", "My Pub", "--subscription-name", "sub\"1"},
                    {{"REPLICATION_PASSWORD", "from-env"}});
    const ReplicationCreateOptions &create = invocation.options.replication_create;
    EXPECT_TRUE(create.skip_checks);
    EXPECT_TRUE(create.drop_replication_user);
    EXPECT_EQ(create.publication_name, "My Pub");
    EXPECT_EQ(create.subscription_name, "sub\"1");
    EXPECT_EQ(create.replication_password, "from-env");
    EXPECT_EQ(parse_valid({"replication", "create", "--replication-password", "explicit"},
                          {{"REPLICATION_PASSWORD", "from-env"}})
                  .options.replication_create.replication_password,
              "explicit");
}

TEST(CliOptions, ReplicationStartStatusStopDropOptions) {
    const ReplicationStartOptions start =
        parse_valid({"replication", "start", "--fail-on-already-started", "--no-refresh",
                     "--subscription-name", "s"})
            .options.replication_start;
    EXPECT_TRUE(start.fail_on_already_started);
    EXPECT_FALSE(start.refresh);
    EXPECT_EQ(start.subscription_name, "s");

    const ReplicationStatusOptions status =
        parse_valid({"replication", "status", "--collapse-initializing-relations"})
            .options.replication_status;
    EXPECT_TRUE(status.collapse_initializing_relations);

    const ReplicationStopOptions stop =
        parse_valid({"replication", "stop", "--fail-on-already-stopped"}).options.replication_stop;
    EXPECT_TRUE(stop.fail_on_already_stopped);

    const ReplicationDropOptions drop =
        parse_valid({"replication", "drop", "--no-drop-user", "--publication-name", "p"})
            .options.replication_drop;
    EXPECT_FALSE(drop.drop_user);
    EXPECT_EQ(drop.publication_name, "p");
    EXPECT_FALSE(drop.reverse);
    EXPECT_TRUE(parse_valid({"replication", "drop", "--reverse"}).options.replication_drop.reverse);
}

TEST(CliOptions, CopyRolesOptions) {
    EXPECT_TRUE(parse_valid({"copyroles", "--dry-run"}).options.copyroles.dry_run);
    EXPECT_TRUE(parse_valid({"copyroles", "-n"}).options.copyroles.dry_run);
    EXPECT_FALSE(parse_valid({"copyroles"}).options.copyroles.dry_run);
    expect_usage_error({"copyroles", "--all"});
}

TEST(CliOptions, SyncSequencesOptions) {
    const SyncSequencesOptions sync =
        parse_valid({"syncsequences", "--fixed-offset", "1000", "--sequence-offset",
                     "public.orders_id_seq:50", "--sequence-offset", "odd:name:-3",
                     "--sample-pause", "2.5", "--equal", "-n"})
            .options.syncsequences;
    EXPECT_EQ(sync.fixed_offset, 1000);
    ASSERT_EQ(sync.sequence_offsets.size(), 2u);
    EXPECT_EQ(sync.sequence_offsets[0].sequence, "public.orders_id_seq");
    EXPECT_EQ(sync.sequence_offsets[0].offset, 50);
    EXPECT_EQ(sync.sequence_offsets[1].sequence, "odd:name");
    EXPECT_EQ(sync.sequence_offsets[1].offset, -3);
    EXPECT_EQ(sync.sample_pause, 2.5);
    EXPECT_TRUE(sync.equal);
    EXPECT_TRUE(sync.dry_run);

    const SyncSequencesOptions none = parse_valid({"syncsequences"}).options.syncsequences;
    EXPECT_EQ(none.fixed_offset, 100);
    EXPECT_TRUE(none.sequence_offsets.empty());
    EXPECT_EQ(none.sample_pause, 1.0);
    EXPECT_FALSE(none.equal);
    EXPECT_FALSE(none.dry_run);
}

TEST(CliOptions, CutoverOptions) {
    const VerifyOptions verify = parse_valid({"verify", "--publication-name", "p"}).options.verify;
    EXPECT_EQ(verify.publication_name, "p");
    EXPECT_EQ(parse_valid({"verify"}).options.verify.publication_name, "ivory_publication");

    const SwitchoverOptions defaults = parse_valid({"switchover"}).options.switchover;
    EXPECT_EQ(defaults.max_lag, 8 * 1024 * 1024);
    EXPECT_EQ(defaults.timeout, 300.0);
    EXPECT_TRUE(defaults.lock_source);
    EXPECT_EQ(defaults.publication_name, "ivory_publication");
    EXPECT_EQ(defaults.subscription_name, "ivory_subscription");
    EXPECT_FALSE(defaults.dry_run);
    EXPECT_EQ(defaults.report, "");
    EXPECT_FALSE(defaults.reverse);
    EXPECT_TRUE(parse_valid({"switchover", "--reverse"}).options.switchover.reverse);

    const SwitchoverOptions rehearsal =
        parse_valid({"switchover", "--dry-run", "--report", "/tmp/rehearsal.md"})
            .options.switchover;
    EXPECT_TRUE(rehearsal.dry_run);
    EXPECT_EQ(rehearsal.report, "/tmp/rehearsal.md");

    const SwitchoverOptions switchover =
        parse_valid({"switchover", "--max-lag", "4096", "--timeout", "5", "--no-lock-source",
                     "--publication-name", "p", "--subscription-name", "s"})
            .options.switchover;
    EXPECT_EQ(switchover.max_lag, 4096);
    EXPECT_EQ(switchover.timeout, 5.0);
    EXPECT_FALSE(switchover.lock_source);
    EXPECT_EQ(switchover.publication_name, "p");
    EXPECT_EQ(switchover.subscription_name, "s");

    EXPECT_EQ(parse_valid({"unlock-source"}).command->full_name(), "unlock-source");

    EXPECT_FALSE(parse_valid({"verify"}).global.all_databases);
    EXPECT_TRUE(parse_valid({"--all-databases", "verify"}).global.all_databases);
    EXPECT_TRUE(parse_valid({"replication", "start", "--all-databases"}).global.all_databases);
    EXPECT_TRUE(parse_valid({"switchover", "--all-databases", "--reverse"}).global.all_databases);

    const Invocation back = parse_valid({"switchback"});
    EXPECT_EQ(back.command->full_name(), "switchback");
    EXPECT_EQ(back.options.switchback.max_lag, 8 * 1024 * 1024);
    EXPECT_EQ(back.options.switchback.timeout, 300.0);
    EXPECT_EQ(back.options.switchback.publication_name, "ivory_publication");
    EXPECT_EQ(back.options.switchback.subscription_name, "ivory_subscription");
    EXPECT_FALSE(back.options.switchback.force);
    const SwitchbackOptions switchback =
        parse_valid({"switchback", "--max-lag", "0", "--timeout", "30", "--force",
                     "--verify-in-window", "--jobs", "3", "--subscription-name", "s"})
            .options.switchback;
    EXPECT_EQ(switchback.max_lag, 0);
    EXPECT_EQ(switchback.timeout, 30.0);
    EXPECT_TRUE(switchback.force);
    EXPECT_TRUE(switchback.verify_in_window);
    EXPECT_EQ(switchback.jobs, 3);
    EXPECT_EQ(switchback.subscription_name, "s");
}

TEST(CliOptions, BadCutoverValuesAreUsageErrors) {
    expect_usage_error({"switchover", "--max-lag", "-1"});
    expect_usage_error({"switchover", "--max-lag", "much"});
    expect_usage_error({"switchover", "--timeout", "-5"});
    expect_usage_error({"switchover", "--report"});
    expect_usage_error({"verify", "--jobs", "0"});
    expect_usage_error({"switchover", "--jobs", "17"});
    expect_usage_error({"verify", "--max-lag", "5"});
    expect_usage_error({"unlock-source", "--equal"});
    expect_usage_error({"--all-databases", "copyroles"});
    expect_usage_error({"--all-databases", "switchover", "--report", "/tmp/x.md"});
    expect_usage_error({"switchback", "--max-lag", "-1"});
    expect_usage_error({"switchback", "--dry-run"});
    expect_usage_error({"switchback", "--reverse"});
}

TEST(CliOptions, BadSyncSequencesValuesAreUsageErrors) {
    expect_usage_error({"syncsequences", "--fixed-offset", "lots"});
    expect_usage_error({"syncsequences", "--sequence-offset", "noseparator"});
    expect_usage_error({"syncsequences", "--sequence-offset", "seq:"});
    expect_usage_error({"syncsequences", "--sequence-offset", ":5"});
    expect_usage_error({"syncsequences", "--sequence-offset", "seq:5x"});
    expect_usage_error({"syncsequences", "--sample-pause", "-1"});
}

TEST(CliOptions, ParseSequenceOffset) {
    EXPECT_FALSE(parse_sequence_offset("seq:99999999999999999999"));
    const auto parsed = parse_sequence_offset("\"Weird Seq\":+7");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->sequence, "\"Weird Seq\"");
    EXPECT_EQ(parsed->offset, 7);
}
