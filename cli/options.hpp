// What the command line asks for: the global options and each command's, with
// the original's defaults (parsed in command_line.cpp, which knows the commands).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "conninfo.hpp"
#include "exit_codes.hpp"
#include "log.hpp"

namespace ivory::cli {

inline constexpr const char *default_publication_name = "ivory_publication";
inline constexpr const char *default_subscription_name = "ivory_subscription";

struct GlobalOptions {
    LogLevel log_level = LogLevel::info;
    bool json = false;          // the result as JSON on standard output
    bool all_databases = false; // every database of the source (all_databases.hpp)
    ConnectionOptions source;
    ConnectionOptions target;
};

struct CheckOptions {
    bool no_webbrowser = false;
};

struct CopySchemaOptions {
    std::string maintenance_db = "postgres";
};

struct ReplicationCreateOptions {
    bool skip_checks = false;
    bool drop_replication_user = false;
    bool track_ddl = false;
    std::string publication_name = default_publication_name;
    std::string subscription_name = default_subscription_name;
    std::string replication_password;
};

struct ReplicationStartOptions {
    bool fail_on_already_started = false;
    std::string subscription_name = default_subscription_name;
    bool refresh = true;
    bool native_copy = false;
    bool wait = false;
    std::optional<int> jobs;              // none: the extension decides
    std::string split_tables_larger_than; // a size for pg_size_bytes; empty: the default
};

struct ReplicationStatusOptions {
    std::string subscription_name = default_subscription_name;
    bool collapse_initializing_relations = false;
    std::optional<double> watch_seconds; // --watch [SECONDS]: again every so many seconds
};

struct ReplicationStopOptions {
    bool fail_on_already_stopped = false;
    std::string subscription_name = default_subscription_name;
};

struct ReplicationDropOptions {
    std::string publication_name = default_publication_name;
    std::string subscription_name = default_subscription_name;
    bool drop_user = true;
    bool reverse = false; // the way back a switchover left, not the replication
};

struct ReplicationDdlOptions {
    std::string subscription_name = default_subscription_name;
    std::optional<long long> skip;  // --skip ID
    std::optional<long long> retry; // --retry ID
};

// --sequence-offset SEQ:N
struct SequenceOffset {
    std::string sequence;
    long long offset = 0;
};

// "SEQ:N" split at the last colon, since a sequence name may contain colons.
std::optional<SequenceOffset> parse_sequence_offset(const std::string &text);

// The original's defaults.
inline constexpr long long default_fixed_offset = 100;
inline constexpr double default_sample_pause = 1.0; // seconds

struct SyncSequencesOptions {
    long long fixed_offset = default_fixed_offset;
    std::vector<SequenceOffset> sequence_offsets;
    double sample_pause = default_sample_pause; // seconds
    bool equal = false;
    bool dry_run = false;
};

struct CopyRolesOptions {
    bool dry_run = false;
};

struct VerifyOptions {
    std::string publication_name = default_publication_name;
    std::string subscription_name = default_subscription_name;
    std::optional<int> jobs; // none: the extension's default
};

struct SwitchoverOptions {
    long long max_lag = 8 * 1024 * 1024; // bytes, as ivory.switchover's default
    double timeout = 300.0;              // seconds
    bool lock_source = true;
    std::string publication_name = default_publication_name;
    std::string subscription_name = default_subscription_name;
    bool verify_in_window = false;
    bool force = false;
    std::optional<int> jobs; // verify's connections to the source
    bool dry_run = false;    // a rehearsal: nothing locked or changed
    std::string report;      // "": no report file
    bool reverse = false;    // leave the way back: a replication from the target to the source
};

struct SwitchbackOptions {
    long long max_lag = 8 * 1024 * 1024; // bytes, as ivory.switchback's default
    double timeout = 300.0;              // seconds
    std::string publication_name = default_publication_name;
    std::string subscription_name = default_subscription_name;
    bool verify_in_window = false;
    bool force = false;
    std::optional<int> jobs;
};

// The options of every command; only those of the chosen command are filled in.
struct CommandOptions {
    CheckOptions check;
    CopySchemaOptions copyschema;
    ReplicationCreateOptions replication_create;
    ReplicationStartOptions replication_start;
    ReplicationStatusOptions replication_status;
    ReplicationStopOptions replication_stop;
    ReplicationDropOptions replication_drop;
    ReplicationDdlOptions replication_ddl;
    SyncSequencesOptions syncsequences;
    CopyRolesOptions copyroles;
    VerifyOptions verify;
    SwitchoverOptions switchover;
    SwitchbackOptions switchback;
};

// The value of an environment variable, nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string &name)>;
EnvironmentLookup process_environment();

} // namespace ivory::cli
