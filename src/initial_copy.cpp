#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "initial_copy.hpp"

#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_features.hpp"
#include "core/replication_naming.hpp"
#include "core/strings.hpp"
#include "pg/copy_in.hpp"
#include "pg/user_context.hpp"
#include "remote/connection.hpp"

namespace ivory {

namespace {

// Rows are handed to COPY in chunks of about this size.
constexpr size_t copy_chunk_bytes = 64 * 1024;

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

// The indexes of a table that can be built after its data: plain indexes,
// and PRIMARY KEY and UNIQUE constraints, but none that another object needs
// meanwhile (a foreign key's referenced key, an index of a partitioned
// index, the replica identity index, which therefore keeps what it has) and
// none that is not valid.
std::vector<DeferredIndex> deferrable_indexes(pg::LocalSession &target,
                                              const std::string &table_oid,
                                              const std::string &table_name) {
    // A constraint's index is built first, from its own definition (which,
    // unlike pg_get_constraintdef, has its reloptions: fillfactor, ...), and
    // the constraint then takes it over (USING INDEX), keeping its name.
    // attstattarget >= 0: an explicit statistics target (the default is -1
    // up to PostgreSQL 16, NULL from 17).
    static const std::string query = R"SQL(
WITH deferred AS (
    SELECT pg_catalog.format('DROP INDEX %I.%I', n.nspname, ic.relname) AS drop_sql,
           pg_catalog.pg_get_indexdef(i.indexrelid) AS create_sql,
           i.indexrelid, n.nspname, ic.relname AS index_name, NULL::pg_catalog.oid AS constraint_oid
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
    WHERE i.indrelid = $1::pg_catalog.oid AND i.indisvalid AND NOT i.indisreplident
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid)
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)
    UNION ALL
    SELECT pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', $2, c.conname),
           pg_catalog.format(E'%s;\nALTER TABLE %s ADD CONSTRAINT %I %s USING INDEX %I%s%s',
                             pg_catalog.pg_get_indexdef(i.indexrelid), $2, c.conname,
                             CASE c.contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                             ic.relname,
                             CASE WHEN c.condeferrable THEN ' DEFERRABLE' ELSE '' END,
                             CASE WHEN c.condeferred THEN ' INITIALLY DEFERRED' ELSE '' END),
           i.indexrelid, n.nspname, c.conname, c.oid
    FROM pg_catalog.pg_constraint c
    JOIN pg_catalog.pg_index i ON i.indexrelid = c.conindid
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
    WHERE c.conrelid = $1::pg_catalog.oid AND c.contype IN ('p', 'u') AND c.conparentid = 0
      AND i.indisvalid AND NOT i.indisreplident
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint f
                      WHERE f.contype = 'f' AND f.conindid = c.conindid)
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits h WHERE h.inhrelid = c.conindid)
)
SELECT x.drop_sql, x.create_sql,
       coalesce((SELECT s.spcname::pg_catalog.text
                            FROM pg_catalog.pg_class ic
                            JOIN pg_catalog.pg_tablespace s ON s.oid = ic.reltablespace
                            WHERE ic.oid = x.indexrelid), ''),
       pg_catalog.concat_ws(E';\n',
           (SELECT pg_catalog.format('COMMENT ON INDEX %I.%I IS %L', x.nspname, x.index_name,
                                     d.description)
            FROM pg_catalog.pg_description d
            WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
              AND d.objoid = x.indexrelid AND d.objsubid = 0),
           (SELECT pg_catalog.format('COMMENT ON CONSTRAINT %I ON %s IS %L', x.index_name, $2,
                                     d.description)
            FROM pg_catalog.pg_description d
            WHERE d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
              AND d.objoid = x.constraint_oid AND d.objsubid = 0),
           (SELECT pg_catalog.format('ALTER TABLE %s CLUSTER ON %I', $2, x.index_name)
            FROM pg_catalog.pg_index i WHERE i.indexrelid = x.indexrelid AND i.indisclustered),
           (SELECT pg_catalog.string_agg(
                       pg_catalog.format('ALTER INDEX %I.%I ALTER COLUMN %s SET STATISTICS %s',
                                         x.nspname, x.index_name, a.attnum, a.attstattarget),
                       E';\n' ORDER BY a.attnum)
            FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = x.indexrelid AND a.attnum > 0 AND a.attstattarget >= 0))
FROM deferred x
)SQL";
    std::vector<DeferredIndex> indexes;
    for (const Row &row : target.query(query, {Value(table_oid), Value(table_name)},
                                       "listing the indexes to build after the copy"))
        indexes.push_back({text_of(row, 0), text_of(row, 1), text_of(row, 2), text_of(row, 3)});
    return indexes;
}

// Whether the pg_type row `alias` is a type whose binary form travels, as
// binary_column_signatures explains.
std::string portable_type_condition(const std::string &alias) {
    const std::string t = alias + ".";
    return "(" + t + "oid < 10000 AND " + t + "typtype IN ('b', 'r', 'm') AND " + t +
           "typsend::pg_catalog.oid <> 0 AND " + t + "typreceive::pg_catalog.oid <> 0 AND " + t +
           "typname::pg_catalog.text NOT IN ('regclass', 'regcollation', 'regconfig', "
           "'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', "
           "'regprocedure', 'regrole', 'regtype'))";
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
    // A type's binary form travels when it means the same on the other
    // server. Built-in types with OIDs below 10000 (FirstGenbkiObjectId) are
    // assigned by hand in pg_type.dat and keep their OIDs and binary forms
    // across major versions; those from 10000 up are made by initdb (row
    // types of the catalogs, information_schema's domains) and may differ.
    // User types (enums, domains, composites) and arrays of them do not keep
    // their OIDs, and arrays and composites embed their element and column
    // type OIDs. Composites (record_send) carry column type OIDs whatever
    // they are, so no composite goes in binary. Ranges and multiranges of
    // built-in types embed no OID.
    // The OID alias types (reg*) send the OID of the object they name, which
    // on the other server names another object or none: their text form is
    // the name, so tables with them (or arrays of them) go in text.
    // oid, xid, xid8, cid, tid, pg_lsn, oidvector, int2vector are numbers
    // that mean what they meant on the source in either format (an oid column
    // is the user's data, not a reference into the target's catalogs): they
    // stay binary. aclitem, which names roles, has no binary form at all.
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
HAVING pg_catalog.bool_and()SQL" +
                              portable_type_condition("t") + " AND (e.oid IS NULL OR " +
                              portable_type_condition("e") + "))";
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

// Values in text form are printed by the source in its session's settings
// and read by the target in its own; whatever defaults either database or
// role has (ALTER DATABASE ... SET datestyle = 'SQL, DMY' swaps day and
// month, extra_float_digits = 0 rounds floats), both sides use these, as
// libpqwalreceiver pins the first three for the table-sync workers.
// lc_monetary C prints and reads money alike on both sides.
const std::vector<std::pair<std::string, std::string>> &data_format_settings() {
    static const std::vector<std::pair<std::string, std::string>> settings = {
        {"datestyle", "ISO"},
        {"intervalstyle", "postgres"},
        {"extra_float_digits", "3"},
        {"bytea_output", "hex"},
        {"lc_monetary", "C"}};
    return settings;
}

// The input side of the same settings, for this scope of the target session;
// xmloption content reads every value xml output gives (a document too).
void pin_input_settings(pg::LocalSettingsScope &settings) {
    for (const auto &[name, value] : data_format_settings())
        if (name != "extra_float_digits" && name != "bytea_output") // output only
            settings.set(name, value);
    settings.set("xmloption", "content");
}

// Streams the table's rows from the source's COPY into the local table.
uint64_t copy_table(pg::LocalSession &target, remote::Connection &source, const TableToCopy &table,
                    bool binary) {
    const std::vector<std::string> columns = copied_columns(target, table.oid);
    std::vector<std::string> quoted;
    for (const std::string &column : columns)
        quoted.push_back(sql_identifier(column));
    const std::string step = "copying " + table.name;
    const std::string rows = table.range.empty() ? table.name + " (" + join(quoted, ", ") + ")"
                                                 : "(SELECT " + join(quoted, ", ") + " FROM ONLY " +
                                                       table.name + " WHERE " + table.range + ")";
    source.start_copy_out("COPY " + rows + " TO STDOUT" + (binary ? " (FORMAT binary)" : ""), step);
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
    // The owner's code (triggers, CHECK and domain checks, generated
    // columns) runs with the owner's rights, not those of ivory's caller.
    const pg::RunAsUntrustedUser as_owner(table.owner);
    return pg::copy_into_table(table.oid, columns, binary, reader);
}

} // namespace

// For a source session that produces data for the copy, before it does.
void pin_output_settings(remote::Connection &source) {
    std::vector<std::string> calls;
    for (const auto &[name, value] : data_format_settings())
        calls.push_back("pg_catalog.set_config(" + quote_literal(name) + ", " +
                        quote_literal(value) + ", false)");
    source.query("SELECT " + join(calls, ", "), "pinning the output settings");
}

bool all_tables_await_copy(pg::LocalSession &target, const std::string &subscription_oid) {
    const Rows counts =
        target.query("SELECT pg_catalog.count(*)::pg_catalog.text, "
                     "(pg_catalog.count(*) FILTER (WHERE srsubstate <> 'i'))::pg_catalog.text "
                     "FROM pg_catalog.pg_subscription_rel WHERE srsubid = $1::pg_catalog.oid",
                     {Value(subscription_oid)}, "reading the state of the subscription's tables");
    const Row &row = first_row(counts, "reading the state of the subscription's tables");
    return text_of(row, 0) != "0" && text_of(row, 1) == "0";
}

ExportedSnapshot export_snapshot(remote::Connection &exporter, const std::string &slot) {
    // Its session's settings are pinned before the slot (and the snapshot)
    // are made: the snapshot is the data's.
    pin_output_settings(exporter);
    const std::string step = "creating a temporary replication slot with a snapshot";
    const Rows created = exporter.query(
        create_temporary_exported_slot_command(slot, exporter.server_version()), step);
    const Row &row = first_row(created, step);
    return {text_of(row, 2), text_of(row, 1)};
}

void import_snapshot(remote::Connection &source, const std::string &snapshot) {
    pin_output_settings(source);
    source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the copy");
    source.query("SET TRANSACTION SNAPSHOT " + quote_literal(snapshot),
                 "taking the copy's snapshot");
}

std::vector<DeferredIndex> drop_deferrable_indexes(pg::LocalSession &target,
                                                   const TableToCopy &table) {
    std::vector<DeferredIndex> indexes = deferrable_indexes(target, table.oid, table.name);
    for (const DeferredIndex &index : indexes)
        target.execute(index.drop);
    return indexes;
}

size_t build_indexes(pg::LocalSession &target, const TableToCopy &table,
                     const std::vector<DeferredIndex> &indexes,
                     const std::function<void(const std::string &)> &report) {
    pg::LocalSettingsScope settings;
    for (size_t i = 0; i < indexes.size(); ++i) {
        const DeferredIndex &index = indexes[i];
        report("building index " + std::to_string(i + 1) + " of " + std::to_string(indexes.size()) +
               " of " + table.name);
        settings.set("default_tablespace", index.tablespace);
        target.execute(index.create);
        if (!index.restore.empty())
            target.execute(index.restore);
    }
    return indexes.size();
}

TableCopy copy_table_with_deferred_indexes(pg::LocalSession &target, remote::Connection &source,
                                           const TableToCopy &table,
                                           const std::function<void(const std::string &)> &report) {
    TableCopy copied;
    copied.binary = binary_copy_possible(target, source, {table}).front();
    // As the apply worker does: ordinary triggers and foreign-key checks are
    // the source's business, already done there.
    pg::LocalSettingsScope settings;
    settings.set("session_replication_role", "replica");
    pin_input_settings(settings);
    const std::vector<DeferredIndex> indexes =
        table.range.empty() ? drop_deferrable_indexes(target, table) : std::vector<DeferredIndex>{};
    report("copying " + table.name);
    copied.rows = copy_table(target, source, table, copied.binary);
    copied.indexes_built_after = build_indexes(target, table, indexes, report);
    return copied;
}

std::vector<std::string> table_ranges(pg::LocalSession &target, remote::Connection &source,
                                      const TableToCopy &table, int count) {
    long long low = 0;
    long long high = 0;
    std::string cut_by;
    // Heap blocks where the source scans a block range alone (14+): each
    // range reads only its own part of the table. A key's range may be read
    // by a scan of the whole table.
    if (source.server_version() >= 140000) {
        cut_by = "ctid";
        const Rows blocks =
            source.query("SELECT (pg_catalog.pg_relation_size(" + quote_literal(table.name) +
                             "::pg_catalog.regclass) / "
                             "pg_catalog.current_setting('block_size')::pg_catalog.int8)"
                             "::pg_catalog.text",
                         "reading a table's size in blocks");
        high = number_of(first_row(blocks, "reading a table's size in blocks").at(0));
    } else {
        // An integer key: a single-column PRIMARY KEY or UNIQUE index on a
        // NOT NULL int2, int4 or int8 column.
        const Rows keys = target.query(
            "SELECT pg_catalog.quote_ident(a.attname::pg_catalog.text) FROM pg_catalog.pg_index i "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE i.indrelid = $1::pg_catalog.oid AND i.indisunique AND i.indisvalid "
            "AND i.indnkeyatts = 1 AND i.indexprs IS NULL AND i.indpred IS NULL AND a.attnotnull "
            "AND a.atttypid IN ('pg_catalog.int2'::pg_catalog.regtype, "
            "'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype) "
            "ORDER BY i.indisprimary DESC LIMIT 1",
            {Value(table.oid)}, "looking for a key to cut a table by");
        if (keys.empty())
            return {};
        cut_by = text_of(keys.front(), 0);
        const Rows bounds =
            source.query("SELECT pg_catalog.min(" + cut_by + ")::pg_catalog.text, pg_catalog.max(" +
                             cut_by + ")::pg_catalog.text FROM ONLY " + table.name,
                         "reading a table's key bounds");
        const Row &row = first_row(bounds, "reading a table's key bounds");
        if (!row.at(0))
            return {}; // no rows
        low = number_of(row.at(0));
        high = number_of(row.at(1)) + 1;
    }
    const long long span = (high - low) / count;
    if (span < 1)
        return {};
    auto bound = [&](long long value) {
        return cut_by == "ctid"
                   ? quote_literal("(" + std::to_string(value) + ",0)") + "::pg_catalog.tid"
                   : std::to_string(value);
    };
    std::vector<std::string> ranges;
    for (int i = 0; i < count; ++i) {
        std::vector<std::string> conditions;
        if (i > 0)
            conditions.push_back(cut_by + " >= " + bound(low + i * span));
        if (i < count - 1)
            conditions.push_back(cut_by + " < " + bound(low + (i + 1) * span));
        ranges.push_back(join(conditions, " AND "));
    }
    return ranges;
}

} // namespace ivory
