// The catalog queries ivory runs. Where both sides answer the same question
// (schema facts, database options) the same text runs on both, so that
// differences come from the catalogs and not from the queries.
#pragma once

#include <string>

namespace ivory::catalog_queries {

// (object_type, object_name, parent, attribute, value) for every user object
// outside pg_catalog, information_schema, ivory's own schema and extensions.
extern const std::string schema_facts;

// One row, one column: a digest of schema_facts' rows. Two databases with the
// same facts have the same digest; different facts differ in it but for a
// chance of 2^-64.
extern const std::string schema_digest;

// One row, one column: server_version_num, on either side.
extern const std::string server_version_num;

// (encoding, collation, ctype, connection_limit, owner) of the current database.
extern const std::string database_options;

// Source: wal_level, slot and WAL sender capacity, and how this connection
// arrived (for the pg_hba.conf check).
extern const std::string source_settings;

// Source: pg_hba.conf lines as the server reads them.
extern const std::string hba_rules;

// Source: tables without a primary key or usable replica identity; unlogged
// tables; sequence and large object counts.
extern const std::string tables_without_identity;
extern const std::string unlogged_tables;
extern const std::string uncarried_counts;

// Source: installed extensions (name, version) but ivory.
extern const std::string installed_extensions;

// Target: available extensions (name).
extern const std::string available_extensions;

// Target: logical replication worker capacity.
extern const std::string target_settings;

} // namespace ivory::catalog_queries
