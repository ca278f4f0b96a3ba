// ivory.copy_schema: the source's schema, from pg_dump run by this server,
// applied to the current database in the caller's transaction.
#include <set>
#include <string>
#include <vector>

#include "core/conninfo.hpp"
#include "core/dump_filter.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"
#include "functions.hpp"
#include "pg/child_process.hpp"
#include "pg/guard.hpp"
#include "pg/server_info.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"

namespace ivory {

namespace {

// Connects once under ivory's rules (a non-superuser needs a password the
// source asks for) before pg_dump connects the same way, and refuses a source
// newer than this server's pg_dump.
void verify_source(const std::string &conninfo) {
    int source_version;
    {
        remote::Connection source(conninfo);
        source_version = source.server_version();
    }
    const int major = source_version / 10000;
    if (major > pg::server_major_version())
        throw Error("0A000",
                    "the source runs PostgreSQL " + std::to_string(major) +
                        ", newer than this server's pg_dump " +
                        std::to_string(pg::server_major_version()),
                    "", "Copy the schema into a server at least as new as the source.");
}

std::string dump_schema(const std::string &conninfo) {
    // The password travels in the child's environment, never on a command
    // line that ps shows.
    std::vector<std::string> environment;
    if (const auto password = conninfo_value(conninfo, "password"); password && !password->empty())
        environment.push_back("PGPASSWORD=" + *password);
    const std::vector<std::string> arguments = {
        "--schema-only", "--no-publications", "--no-subscriptions", "--no-password",
        // The SQL comes back to SPI, which expects the database's encoding.
        "--encoding=" + pg::database_encoding_name(),
        "--dbname=" + conninfo_without(conninfo, "password")};
    const pg::ChildOutput dump =
        pg::run_child(pg::server_bin_directory() + "/pg_dump", arguments, environment);
    if (dump.exit_code != 0) {
        std::string reason = dump.standard_error;
        while (!reason.empty() && reason.back() == '\n')
            reason.pop_back();
        throw Error(ErrorFields{sqlstate::unable_to_connect, "pg_dump of the source failed",
                                mask_secrets(reason, conninfo), "",
                                "dumping " + redact_conninfo(conninfo)});
    }
    return dump.standard_output;
}

void require_available_extensions(const SchemaDump &dump, pg::LocalSession &target) {
    std::set<std::string> available;
    for (const Row &row : target.query("SELECT name FROM pg_catalog.pg_available_extensions",
                                       "listing available extensions"))
        available.insert(value_or(row.at(0), ""));
    std::vector<std::string> missing;
    for (const std::string &extension : extensions_in(dump))
        if (!available.count(extension))
            missing.push_back(extension);
    if (missing.empty())
        return;
    const std::string names = join(missing, ", ");
    throw Error("0A000",
                "extension" + std::string(missing.size() > 1 ? "s " : " ") + names +
                    " used on the source " + (missing.size() > 1 ? "are" : "is") +
                    " not available on the target",
                "", "Install the extension's package on the target server.");
}

std::string describe(const DumpEntry &entry) {
    return entry.type + " " + (entry.schema == "-" ? "" : entry.schema + ".") + entry.name;
}

} // namespace

Rows copy_schema_rows(const std::string &source_conninfo) {
    verify_source(source_conninfo);
    const SchemaDump dump = parse_schema_dump(dump_schema(source_conninfo));
    std::vector<DumpEntry> entries;
    for (const DumpEntry &entry : dump.entries)
        if (!is_ivory_entry(entry))
            entries.push_back(entry);

    {
        pg::LocalSession target;
        require_available_extensions(dump, target);
        pg::LocalSettingsScope settings;
        target.execute(dump.preamble);
        for (const DumpEntry &entry : entries) {
            try {
                target.execute(entry.sql);
            } catch (pg::PgError &error) {
                error.add_context("while creating " + describe(entry) +
                                  " from the source's schema");
                throw;
            }
        }
    }

    Rows rows;
    for (const auto &[type, count] : count_by_type(entries))
        rows.push_back({type, std::to_string(count)});
    return rows;
}

} // namespace ivory
