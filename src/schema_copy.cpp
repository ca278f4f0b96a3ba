// ivory.copy_schema: the source's schema, from pg_dump run by this server,
// applied to the current database in the caller's transaction.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/catalog_queries.hpp"
#include "core/conninfo.hpp"
#include "core/dump_filter.hpp"
#include "core/error.hpp"
#include "core/server_versions.hpp"
#include "core/source_role.hpp"
#include "core/strings.hpp"
#include "functions.hpp"
#include "pg/guard.hpp"
#include "pg/server_info.hpp"
#include "pg/spi.hpp"
#include "pg/subtransaction.hpp"
#include "remote/connection.hpp"
#include "source_dump.hpp"

namespace ivory {

namespace {

// Dump entries applied per SPI call: fewer calls, and an error still names
// its object (apply_batch).
constexpr size_t entries_per_batch = 100;

// Connects once under ivory's rules (a non-superuser needs a password the
// source asks for, and one server named plainly) and refuses a source newer
// than this server's pg_dump. pg_dump then connects to exactly the server and
// user this connection reached.
remote::PinnedConnection verify_source(const std::string &conninfo) {
    int source_version;
    remote::PinnedConnection pinned;
    {
        remote::Connection source(conninfo);
        source_version = source.server_version();
        pinned = source.pinned();
        // pg_dump would stop at the first such table with the source's
        // "permission denied"; all of them are named here, with the grant.
        std::vector<std::string> unreadable;
        for (const Row &row :
             source.query(catalog_queries::unreadable_tables, "listing tables it may not read"))
            unreadable.push_back(text_of(row, 0));
        if (!unreadable.empty())
            throw cannot_read_tables(read_source_role(source), unreadable,
                                     "pg_dump locks every table whose definition it dumps, which "
                                     "needs SELECT on it");
    }
    require_source_not_newer(source_version, pg::running_server_version_num());
    return pinned;
}

// The source's schema, parsed as pg_dump writes it.
SchemaDump dump_schema(const std::string &conninfo, const remote::PinnedConnection &source) {
    SchemaDumpParser parser;
    run_source_dump("pg_dump", {"--schema-only", "--no-publications", "--no-subscriptions"},
                    conninfo, source,
                    [&parser](const char *data, size_t size) { parser.feed(data, size); });
    return parser.finish();
}

void require_available_extensions(const std::vector<std::string> &extensions,
                                  pg::LocalSession &target) {
    std::set<std::string> available;
    for (const Row &row : target.query("SELECT name FROM pg_catalog.pg_available_extensions",
                                       "listing available extensions"))
        available.insert(value_or(row.at(0), ""));
    std::vector<std::string> missing;
    for (const std::string &extension : extensions)
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
    require_fixed_pg_dump();
    const remote::PinnedConnection source = verify_source(source_conninfo);
    // The dump is parsed as it arrives and its entries are moved, not
    // copied: the schema is held once.
    SchemaDump dump = dump_schema(source_conninfo, source);
    const std::vector<std::string> extensions = extensions_in(dump);
    std::vector<DumpEntry> entries = std::move(dump.entries);
    entries.erase(std::remove_if(entries.begin(), entries.end(), is_ivory_entry), entries.end());

    {
        pg::LocalSession target;
        require_available_extensions(extensions, target);
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
