#include <map>
#include <string>
#include <vector>

#include "initial_copy.hpp"

#include "core/conninfo.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/strings.hpp"
#include "pg/copy_in.hpp"
#include "pg/replication_catalog.hpp"
#include "remote/connection.hpp"
#include "remote/undo_on_abort.hpp"

namespace ivory {

namespace {

// Rows are handed to COPY in chunks of about this size.
constexpr size_t copy_chunk_bytes = 64 * 1024;

struct TableToCopy {
    std::string oid;
    std::string name; // schema.table, quoted; the same on both sides
};

std::vector<TableToCopy> registered_tables(pg::LocalSession &target,
                                           const std::string &subscription_oid) {
    std::vector<TableToCopy> tables;
    for (const Row &row : target.query(
             "SELECT c.oid::pg_catalog.text, pg_catalog.format('%I.%I', n.nspname, c.relname) "
             "FROM pg_catalog.pg_subscription_rel r JOIN pg_catalog.pg_class c ON c.oid = "
             "r.srrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
             "WHERE r.srsubid = $1::pg_catalog.oid ORDER BY 2",
             {Value(subscription_oid)}, "listing the subscription's tables"))
        tables.push_back({text_of(row, 0), text_of(row, 1)});
    return tables;
}

// The columns COPY carries: stored generated columns are computed here.
std::vector<std::string> copied_columns(pg::LocalSession &target, const std::string &table_oid) {
    std::vector<std::string> columns;
    for (const Row &row :
         target.query("SELECT attname::pg_catalog.text FROM pg_catalog.pg_attribute "
                      "WHERE attrelid = $1::pg_catalog.oid AND attnum > 0 AND NOT attisdropped "
                      "AND attgenerated = '' ORDER BY attnum",
                      {Value(table_oid)}, "listing a table's columns"))
        columns.push_back(text_of(row, 0));
    return columns;
}

struct DeferredIndex {
    std::string drop;
    std::string create;
};

// The indexes of a table that can be built after its data: plain indexes,
// and PRIMARY KEY and UNIQUE constraints, but none that another object needs
// meanwhile (a foreign key's referenced key, an index of a partitioned
// index, the replica identity index) and none that is not valid.
std::vector<DeferredIndex> deferrable_indexes(pg::LocalSession &target,
                                              const std::string &table_oid,
                                              const std::string &table_name) {
    static const std::string query = R"SQL(
SELECT pg_catalog.format('DROP INDEX %I.%I', n.nspname, ic.relname),
       pg_catalog.pg_get_indexdef(i.indexrelid)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
WHERE i.indrelid = $1::pg_catalog.oid AND i.indisvalid AND NOT i.indisreplident
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid)
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)
UNION ALL
SELECT pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', $2, c.conname),
       pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', $2, c.conname,
                         pg_catalog.pg_get_constraintdef(c.oid))
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_index i ON i.indexrelid = c.conindid
WHERE c.conrelid = $1::pg_catalog.oid AND c.contype IN ('p', 'u') AND c.conparentid = 0
  AND i.indisvalid AND NOT i.indisreplident
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint f
                  WHERE f.contype = 'f' AND f.conindid = c.conindid)
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits h WHERE h.inhrelid = c.conindid)
)SQL";
    std::vector<DeferredIndex> indexes;
    for (const Row &row : target.query(query, {Value(table_oid), Value(table_name)},
                                       "listing the indexes to build after the copy"))
        indexes.push_back({text_of(row, 0), text_of(row, 1)});
    return indexes;
}

// Per table (schema.table, quoted), its columns with their types when every
// one is a built-in type that has a binary form; tables with any other type
// are left out. The same query runs on both sides.
std::map<std::string, std::string>
binary_column_signatures(QueryRunner &side, const std::vector<TableToCopy> &tables) {
    std::map<std::string, std::string> signatures;
    if (tables.empty())
        return signatures;
    std::vector<std::string> names;
    for (const TableToCopy &table : tables)
        names.push_back(quote_literal(table.name));
    // Built-in types keep their OIDs and binary forms across major versions;
    // user types (enums, domains, composites) and arrays of them do not.
    const std::string query = R"SQL(
SELECT wanted.name,
       pg_catalog.string_agg(pg_catalog.format('%I %s', a.attname,
                             pg_catalog.format_type(a.atttypid, a.atttypmod)),
                             ', ' ORDER BY a.attnum)
FROM pg_catalog.unnest(ARRAY[)SQL" +
                              join(names, ", ") + R"SQL(]::pg_catalog.text[]) AS wanted(name)
JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(wanted.name)
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem
GROUP BY wanted.name
HAVING pg_catalog.bool_and(t.oid < 16384 AND t.typsend::pg_catalog.oid <> 0
                           AND t.typreceive::pg_catalog.oid <> 0
                           AND (e.oid IS NULL OR (e.oid < 16384 AND e.typsend::pg_catalog.oid <> 0
                                                  AND e.typreceive::pg_catalog.oid <> 0)))
)SQL";
    for (const Row &row : side.query(query, "listing the column types of the tables to copy"))
        signatures.emplace(text_of(row, 0), text_of(row, 1));
    return signatures;
}

// The tables whose rows can travel in COPY's binary format, cheaper to write
// and to read than text: the same columns of the same built-in types on
// both sides. Binary text values are converted from the session's client
// encoding, not from COPY's encoding option: with a client encoding other
// than the database's (the source sends in the database's), text it is.
std::vector<bool> binary_copy_possible(pg::LocalSession &target, remote::Connection &source,
                                       const std::vector<TableToCopy> &tables) {
    const Rows encodings = target.query(
        "SELECT (pg_catalog.pg_client_encoding() = pg_catalog.getdatabaseencoding())::text",
        "reading the session's client encoding");
    if (text_of(first_row(encodings, "reading the session's client encoding"), 0) != "true")
        return std::vector<bool>(tables.size(), false);
    const std::map<std::string, std::string> on_source = binary_column_signatures(source, tables);
    const std::map<std::string, std::string> on_target = binary_column_signatures(target, tables);
    std::vector<bool> possible;
    for (const TableToCopy &table : tables) {
        const auto source_columns = on_source.find(table.name);
        const auto target_columns = on_target.find(table.name);
        possible.push_back(source_columns != on_source.end() && target_columns != on_target.end() &&
                           source_columns->second == target_columns->second);
    }
    return possible;
}

// Streams the table's rows from the source's COPY into the local table.
uint64_t copy_table(pg::LocalSession &target, remote::Connection &source, const TableToCopy &table,
                    bool binary) {
    const std::vector<std::string> columns = copied_columns(target, table.oid);
    std::vector<std::string> quoted;
    for (const std::string &column : columns)
        quoted.push_back(sql_identifier(column));
    const std::string step = "copying " + table.name;
    source.start_copy_out("COPY " + table.name + " (" + join(quoted, ", ") + ") TO STDOUT" +
                              (binary ? " (FORMAT binary)" : ""),
                          step);
    bool ended = false;
    const pg::CopyRowReader reader = [&](std::string &data, bool wait) {
        bool got = false;
        while (!ended && data.size() < copy_chunk_bytes) {
            switch (source.read_copy_data(data, wait && !got, step)) {
            case remote::CopyRead::data:
                got = true;
                continue;
            case remote::CopyRead::end:
                ended = true;
                break;
            case remote::CopyRead::none_yet:
                return got;
            }
        }
        return got;
    };
    return pg::copy_into_table(table.oid, columns, binary, reader);
}

} // namespace

bool all_tables_await_copy(pg::LocalSession &target, const std::string &subscription_oid) {
    const Rows counts =
        target.query("SELECT pg_catalog.count(*)::pg_catalog.text, "
                     "(pg_catalog.count(*) FILTER (WHERE srsubstate <> 'i'))::pg_catalog.text "
                     "FROM pg_catalog.pg_subscription_rel WHERE srsubid = $1::pg_catalog.oid",
                     {Value(subscription_oid)}, "reading the state of the subscription's tables");
    const Row &row = first_row(counts, "reading the state of the subscription's tables");
    return text_of(row, 0) != "0" && text_of(row, 1) == "0";
}

InitialCopySummary fast_initial_copy(pg::LocalSession &target, const std::string &subscription_oid,
                                     const std::string &conninfo, const std::string &slot) {
    InitialCopySummary summary;
    pg::lock_subscription_for_copy(subscription_oid);
    const std::vector<TableToCopy> tables = registered_tables(target, subscription_oid);

    // The slot made by replication_create has no snapshot to copy in: it is
    // replaced by one that exports its snapshot, on a replication connection
    // that stays open (and idle) until the copying session has imported it.
    // On abort, undone newest first: the new slot goes, a plain one returns.
    remote::Connection copier(conninfo);
    remote::undo_on_abort(conninfo, create_slot_if_missing_sql(slot));
    copier.query(drop_slot_sql(slot), "replacing the replication slot");
    remote::Connection exporter(conninfo_without(conninfo, "replication") +
                                " replication=database");
    const Rows created = exporter.query("CREATE_REPLICATION_SLOT " + sql_identifier(slot) +
                                            " LOGICAL pgoutput EXPORT_SNAPSHOT",
                                        "creating the replication slot with a snapshot");
    remote::undo_on_abort(conninfo, drop_slot_sql(slot));
    const std::string snapshot =
        text_of(first_row(created, "creating the replication slot with a snapshot"), 2);
    copier.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the copy");
    copier.query("SET TRANSACTION SNAPSHOT " + quote_literal(snapshot),
                 "taking the slot's snapshot");

    const std::vector<bool> binary = binary_copy_possible(target, copier, tables);
    // As the apply worker does: ordinary triggers and foreign-key checks are
    // the source's business, already done there.
    pg::LocalSettingsScope settings;
    settings.set("session_replication_role", "replica");
    for (size_t i = 0; i < tables.size(); ++i) {
        const TableToCopy &table = tables[i];
        const std::vector<DeferredIndex> indexes =
            deferrable_indexes(target, table.oid, table.name);
        for (const DeferredIndex &index : indexes)
            target.execute(index.drop);
        summary.rows += copy_table(target, copier, table, binary[i]);
        summary.tables_in_binary += binary[i] ? 1 : 0;
        for (const DeferredIndex &index : indexes)
            target.execute(index.create);
        summary.indexes_built_after += indexes.size();
        pg::mark_subscription_table_ready(subscription_oid, table.oid);
        ++summary.tables;
    }
    copier.query("COMMIT", "ending the copy");
    return summary;
}

} // namespace ivory
