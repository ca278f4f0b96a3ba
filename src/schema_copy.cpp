// ivory.copy_schema: the source's schema, from pg_dump run by this server,
// applied to the current database in the caller's transaction.
#include <algorithm>
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
#include "pg/subtransaction.hpp"
#include "remote/connection.hpp"

namespace ivory {

namespace {

// Dump entries applied per SPI call: fewer calls, and an error still names
// its object (apply_batch).
constexpr size_t entries_per_batch = 100;

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

// Runs entries [first, last) as one SPI call in a subtransaction. When the
// batch fails, it is rolled back and run again entry by entry, so that the
// error names the object that could not be created.
void apply_batch(pg::LocalSession &target, const std::vector<DumpEntry> &entries, size_t first,
                 size_t last) {
    std::string batch;
    for (size_t i = first; i < last; ++i)
        batch += entries[i].sql + "\n";
    try {
        pg::in_subtransaction([&] { target.execute(batch); });
        return;
    } catch (const pg::PgError &error) {
        // A cancel or statement_timeout is not the batch's fault, and is
        // not asked again: it ends the copy here. Any other error is found
        // below, with its object named.
        if (error.sqlstate() == sqlstate::query_canceled)
            throw;
    }
    for (size_t i = first; i < last; ++i) {
        try {
            target.execute(entries[i].sql);
        } catch (pg::PgError &error) {
            error.add_context("while creating " + describe(entries[i]) +
                              " from the source's schema");
            throw;
        }
    }
    throw Error(sqlstate::internal, "a batch of the source's schema failed, but none of its "
                                    "statements did on its own");
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
        // What the dump sets (SET LOCAL), saved first: it reverts when
        // copy_schema returns instead of when the caller's transaction ends.
        pg::LocalSettingsScope settings;
        for (const std::string &setting : dump.settings)
            settings.keep(setting);
        target.execute(dump.preamble);
        for (size_t first = 0; first < entries.size(); first += entries_per_batch)
            apply_batch(target, entries, first,
                        std::min(entries.size(), first + entries_per_batch));
    }

    Rows rows;
    for (const auto &[type, count] : count_by_type(entries))
        rows.push_back({type, std::to_string(count)});
    return rows;
}

} // namespace ivory
