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

// Source: the session's login role (name, superuser, replication) and the
// server_version_num (source_role.hpp reads it).
extern const std::string source_role;

// Source: wal_level, slot and WAL sender capacity, and how this connection
// arrived and the memberships of `login_role`, the role the subscription will
// log in as (for the pg_hba.conf check).
std::string source_settings(const std::string &login_role);

// Source: pg_hba.conf lines as the server reads them, with the regular
// expressions matched against the database and `login_role`. Only superusers
// may read them, unless granted.
std::string hba_rules(const std::string &login_role);

// Source: tables of user schemas (schema.table, quoted) that the session's
// role may not read.
extern const std::string unreadable_tables;

// Source: (schema, table, whether the session's role owns it, whether it may
// read it) for every permanent table of user schemas that `publication` does
// not publish (all of them when there is no such publication): what a
// publication of the tables one by one, as a role that is not a superuser
// makes it, has to add.
std::string tables_outside_publication(const std::string &publication);

// Source: tables without a primary key or usable replica identity; unlogged
// tables; sequence and large object counts.
extern const std::string tables_without_identity;
extern const std::string unlogged_tables;
extern const std::string uncarried_counts;

// Source: the roles (name) that own the objects of user schemas or hold
// their privileges, default privileges, policies and user mappings: the
// roles the schema's dump names.
extern const std::string schema_roles;

// Target: every role (name).
extern const std::string role_names;

// Source: installed extensions (name, version) but ivory.
extern const std::string installed_extensions;

// Target: available extensions (name).
extern const std::string available_extensions;

// Target: logical replication worker capacity.
extern const std::string target_settings;

} // namespace ivory::catalog_queries
