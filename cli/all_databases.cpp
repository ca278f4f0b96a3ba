#include "all_databases.hpp"

#include <iostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../src/core/strings.hpp"
#include "target.hpp"

namespace ivory::cli {

namespace {

// The database copyschema re-creates the others through (its default
// --maintenance-db): it cannot drop and re-create itself.
const char *const maintenance_database = "postgres";

// Restores std::cout's buffer however the scope ends.
class CapturedOutput {
  public:
    CapturedOutput() : previous_(std::cout.rdbuf(captured_.rdbuf())) {}
    ~CapturedOutput() { std::cout.rdbuf(previous_); }
    CapturedOutput(const CapturedOutput &) = delete;
    CapturedOutput &operator=(const CapturedOutput &) = delete;
    std::string text() const { return captured_.str(); }

  private:
    std::ostringstream captured_;
    std::streambuf *previous_;
};

ExitCode worse(ExitCode a, ExitCode b) {
    return to_status(a) >= to_status(b) ? a : b;
}

} // namespace

bool runs_for_all_databases(const CommandSpec &command) {
    static const std::set<std::string> commands = {"check",
                                                   "copyschema",
                                                   "replication create",
                                                   "replication start",
                                                   "replication status",
                                                   "replication stop",
                                                   "replication drop",
                                                   "replication ddl",
                                                   "syncsequences",
                                                   "verify",
                                                   "switchover",
                                                   "switchback",
                                                   "unlock-source"};
    return commands.count(command.full_name()) > 0;
}

std::optional<std::vector<std::string>> source_databases(const GlobalOptions &global,
                                                         const Logger &log) {
    ConnectionOptions listing = global.source;
    if (listing.dbname.empty())
        listing.dbname = maintenance_database;
    const Connection source =
        connect_with_keywords(connection_keywords(listing), "the source database", log);
    if (!source)
        return std::nullopt;
    const Result result = run_query(
        source.get(),
        "SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate "
        "AND datname <> $1 ORDER BY datname COLLATE \"C\"",
        {maintenance_database}, log, "could not list the source's databases");
    if (!result)
        return std::nullopt;
    std::vector<std::string> names;
    for (int row = 0; row < PQntuples(result.get()); ++row)
        names.push_back(field(result.get(), row, "datname").value_or(""));
    return names;
}

std::string subscription_for_database(const std::string &subscription,
                                      const std::string &database) {
    return subscription + "_" + database;
}

Invocation for_database(const Invocation &invocation, const std::string &name) {
    Invocation one = invocation;
    one.global.all_databases = false;
    one.global.source.dbname = name;
    one.global.target.dbname = name;
    // Slots are the source cluster's: each database's subscription (and so
    // its slot) gets a name of its own.
    CommandOptions &options = one.options;
    for (std::string *subscription :
         {&options.replication_create.subscription_name,
          &options.replication_start.subscription_name,
          &options.replication_status.subscription_name,
          &options.replication_stop.subscription_name, &options.replication_drop.subscription_name,
          &options.replication_ddl.subscription_name, &options.verify.subscription_name,
          &options.switchover.subscription_name, &options.switchback.subscription_name})
        *subscription = subscription_for_database(*subscription, name);
    return one;
}

ExitCode run_for_all_databases(const Invocation &invocation) {
    static const Logger log("ivory");
    const std::optional<std::vector<std::string>> databases =
        source_databases(invocation.global, log);
    if (!databases)
        return ExitCode::failure;
    if (databases->empty()) {
        log.error("the source has no database to " + invocation.command->full_name() +
                  " (templates and " + maintenance_database + " are left out)");
        return ExitCode::failure;
    }
    log.info(invocation.command->full_name() + " for " + std::to_string(databases->size()) +
             " database(s) of the source: " + join(*databases, ", "));
    ;
    if (invocation.command->full_name() == "switchover" && !invocation.options.switchover.dry_run)
        return run_switchover_all_databases(invocation, *databases);

    ExitCode status = ExitCode::ok;
    nlohmann::ordered_json documents = nlohmann::ordered_json::object();
    for (const std::string &name : *databases) {
        log.info("== database " + name);
        const Invocation one = for_database(invocation, name);
        if (!invocation.global.json) {
            status = worse(status, one.command->run(one));
            continue;
        }
        std::string printed;
        {
            CapturedOutput output;
            status = worse(status, one.command->run(one));
            printed = output.text();
        }
        documents[name] = nlohmann::ordered_json::parse(printed, nullptr, false);
        if (documents[name].is_discarded())
            documents[name] = nullptr;
    }
    if (invocation.global.json)
        std::cout << documents.dump(2) << std::endl;
    return status;
}

} // namespace ivory::cli
