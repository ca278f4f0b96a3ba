#include "catalog_queries.hpp"

#include "quote.hpp"

namespace ivory::catalog_queries {

namespace {

// Schemas that hold user objects: not the system's, not ivory's, not an
// extension's.
const std::string user_namespaces = R"SQL(
    SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'ivory')
      AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                        AND d.objid = n.oid AND d.deptype = 'e'))SQL";

// True for an object that belongs to an extension: the extension is compared
// as one object instead.
std::string not_extension_member(const std::string &catalog, const std::string &oid) {
    return "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = "
           "'pg_catalog." +
           catalog + "'::pg_catalog.regclass AND e.objid = " + oid + " AND e.deptype = 'e')";
}

const std::string user_relations = R"SQL(
    SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relreplident, c.relispartition,
           c.relpartbound, ns.nspname,
           pg_catalog.format('%I.%I', ns.nspname, c.relname) AS qname
    FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S', 'i', 'I')
      AND )SQL" + not_extension_member("pg_class", "c.oid");

// `columns` of the rows of `catalog` (aliased `alias`) in user schemas that
// belong to no extension.
std::string user_objects(const std::string &catalog, const std::string &alias,
                         const std::string &columns, const std::string &namespace_column) {
    return "SELECT " + columns + " FROM pg_catalog." + catalog + " " + alias +
           " JOIN ns ON ns.oid = " + alias + "." + namespace_column + " WHERE " +
           not_extension_member(catalog, alias + ".oid");
}

// Tables of user schemas, permanent ones, optionally restricted further.
std::string user_tables(const std::string &condition) {
    return "WITH ns AS (" + user_namespaces + ")\n" +
           "SELECT pg_catalog.format('%I.%I', ns.nspname, c.relname) FROM pg_catalog.pg_class c "
           "JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind = 'r' AND " +
           not_extension_member("pg_class", "c.oid") + " AND " + condition + " ORDER BY 1";
}

} // namespace

// Every object appears once with an empty attribute (it exists) and once per
// attribute that has a value. Names are quoted with %I so that a difference
// shows the name as it would be written in SQL.
const std::string schema_facts = "WITH ns AS (" + user_namespaces + "),\nrel AS (" +
                                 user_relations + R"SQL()
SELECT 'schema', pg_catalog.quote_ident(ns.nspname), '', '', NULL FROM ns
UNION ALL
SELECT 'table', r.qname, 'schema ' || pg_catalog.quote_ident(r.nspname), '', NULL
FROM rel r WHERE r.relkind IN ('r', 'p', 'f')
UNION ALL
SELECT 'table', r.qname, '', a.attribute, a.value
FROM rel r CROSS JOIN LATERAL (VALUES
    ('kind', CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                            ELSE 'foreign table' END),
    ('persistence', CASE r.relpersistence WHEN 'u' THEN 'unlogged' END),
    ('partition of', (SELECT i.inhparent::pg_catalog.regclass::pg_catalog.text || ' ' ||
                             pg_catalog.pg_get_expr(r.relpartbound, r.oid)
                      FROM pg_catalog.pg_inherits i
                      WHERE i.inhrelid = r.oid AND r.relispartition)),
    ('partition key', CASE WHEN r.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(r.oid) END),
    ('replica identity', CASE r.relreplident WHEN 'f' THEN 'full' WHEN 'n' THEN 'nothing'
                                             WHEN 'i' THEN 'index' END)
) a(attribute, value)
WHERE r.relkind IN ('r', 'p', 'f') AND a.value IS NOT NULL
UNION ALL
SELECT 'column', r.qname || '.' || pg_catalog.quote_ident(att.attname), 'table ' || r.qname,
       '', NULL
FROM rel r JOIN pg_catalog.pg_attribute att ON att.attrelid = r.oid
WHERE r.relkind IN ('r', 'p', 'f') AND att.attnum > 0 AND NOT att.attisdropped
UNION ALL
SELECT 'column', r.qname || '.' || pg_catalog.quote_ident(att.attname), '', a.attribute, a.value
FROM rel r
JOIN pg_catalog.pg_attribute att ON att.attrelid = r.oid
JOIN pg_catalog.pg_type typ ON typ.oid = att.atttypid
LEFT JOIN pg_catalog.pg_attrdef def ON def.adrelid = att.attrelid AND def.adnum = att.attnum
CROSS JOIN LATERAL (VALUES
    ('type', pg_catalog.format_type(att.atttypid, att.atttypmod)),
    ('nullability', CASE WHEN att.attnotnull THEN 'not null' ELSE 'nullable' END),
    -- A default refers to no column: deparsed without the table, which
    -- pg_get_expr would otherwise open (and cache) for each one.
    ('default', CASE WHEN att.attgenerated = '' THEN pg_catalog.pg_get_expr(def.adbin, 0) END),
    ('generated', CASE WHEN att.attgenerated = 's'
                       THEN 'always as (' || pg_catalog.pg_get_expr(def.adbin, def.adrelid) || ') stored' END),
    ('identity', CASE att.attidentity WHEN 'a' THEN 'generated always'
                                      WHEN 'd' THEN 'generated by default' END),
    ('collation', CASE WHEN att.attcollation <> typ.typcollation
                       THEN (SELECT pg_catalog.quote_ident(co.collname) FROM pg_catalog.pg_collation co
                             WHERE co.oid = att.attcollation) END)
) a(attribute, value)
WHERE r.relkind IN ('r', 'p', 'f') AND att.attnum > 0 AND NOT att.attisdropped
  AND a.value IS NOT NULL
UNION ALL
-- NOT NULL is a column's nullability on every version; 18 also records it
-- as a named constraint (contype 'n'), which older versions do not have.
SELECT 'constraint', r.qname || '.' || pg_catalog.quote_ident(con.conname), 'table ' || r.qname,
       '', NULL
FROM rel r JOIN pg_catalog.pg_constraint con ON con.conrelid = r.oid
WHERE con.contype <> 'n'
UNION ALL
SELECT 'constraint', r.qname || '.' || pg_catalog.quote_ident(con.conname), '', 'definition',
       pg_catalog.pg_get_constraintdef(con.oid)
FROM rel r JOIN pg_catalog.pg_constraint con ON con.conrelid = r.oid
WHERE con.contype <> 'n'
UNION ALL
SELECT 'index', r.qname, 'table ' || t.qname, '', NULL
FROM rel r JOIN pg_catalog.pg_index x ON x.indexrelid = r.oid JOIN rel t ON t.oid = x.indrelid
UNION ALL
SELECT 'index', r.qname, '', 'definition', pg_catalog.pg_get_indexdef(r.oid)
FROM rel r WHERE r.relkind IN ('i', 'I')
UNION ALL
SELECT 'sequence', r.qname, 'schema ' || pg_catalog.quote_ident(r.nspname), '', NULL
FROM rel r WHERE r.relkind = 'S'
UNION ALL
SELECT 'sequence', r.qname, '', a.attribute, a.value
FROM rel r JOIN pg_catalog.pg_sequence s ON s.seqrelid = r.oid
CROSS JOIN LATERAL (VALUES
    ('type', pg_catalog.format_type(s.seqtypid, NULL)),
    ('start', s.seqstart::pg_catalog.text),
    ('increment', s.seqincrement::pg_catalog.text),
    ('minimum', s.seqmin::pg_catalog.text),
    ('maximum', s.seqmax::pg_catalog.text),
    ('cache', s.seqcache::pg_catalog.text),
    ('cycle', CASE WHEN s.seqcycle THEN 'cycle' ELSE 'no cycle' END)
) a(attribute, value)
UNION ALL
SELECT CASE r.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, r.qname,
       'schema ' || pg_catalog.quote_ident(r.nspname), '', NULL
FROM rel r WHERE r.relkind IN ('v', 'm')
UNION ALL
SELECT CASE r.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, r.qname, '',
       'definition', pg_catalog.pg_get_viewdef(r.oid)
FROM rel r WHERE r.relkind IN ('v', 'm')
UNION ALL
SELECT 'trigger', r.qname || '.' || pg_catalog.quote_ident(tg.tgname), 'table ' || r.qname, '', NULL
FROM rel r JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = r.oid WHERE NOT tg.tgisinternal
UNION ALL
SELECT 'trigger', r.qname || '.' || pg_catalog.quote_ident(tg.tgname), '', 'definition',
       pg_catalog.pg_get_triggerdef(tg.oid)
FROM rel r JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = r.oid WHERE NOT tg.tgisinternal
UNION ALL
SELECT 'function', f.qname, 'schema ' || pg_catalog.quote_ident(f.nspname), '', NULL FROM (
    SELECT p.oid, ns.nspname, pg_catalog.format('%I.%I(%s)', ns.nspname, p.proname,
                                                pg_catalog.pg_get_function_identity_arguments(p.oid)) AS qname
    FROM pg_catalog.pg_proc p JOIN ns ON ns.oid = p.pronamespace
    WHERE )SQL" + not_extension_member("pg_proc", "p.oid") +
                                 R"SQL() f
UNION ALL
SELECT 'function', pg_catalog.format('%I.%I(%s)', ns.nspname, p.proname,
                                     pg_catalog.pg_get_function_identity_arguments(p.oid)),
       '', a.attribute, a.value
FROM pg_catalog.pg_proc p JOIN ns ON ns.oid = p.pronamespace
CROSS JOIN LATERAL (VALUES
    ('kind', CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                            WHEN 'w' THEN 'window function' END),
    ('result', pg_catalog.pg_get_function_result(p.oid)),
    -- pg_get_functiondef refuses aggregates
    ('definition', CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) END)
) a(attribute, value)
WHERE a.value IS NOT NULL AND )SQL" +
                                 not_extension_member("pg_proc", "p.oid") + R"SQL(
UNION ALL
SELECT 'type', pg_catalog.format('%I.%I', ns.nspname, t.typname),
       CASE WHEN a.attribute = '' THEN 'schema ' || pg_catalog.quote_ident(ns.nspname) ELSE '' END,
       a.attribute, a.value
FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace
CROSS JOIN LATERAL (VALUES
    ('', NULL),
    ('kind', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain'
                            WHEN 'c' THEN 'composite' WHEN 'r' THEN 'range' END),
    ('labels', CASE WHEN t.typtype = 'e' THEN (
        SELECT pg_catalog.string_agg(pg_catalog.quote_literal(en.enumlabel), ', '
                                     ORDER BY en.enumsortorder)
        FROM pg_catalog.pg_enum en WHERE en.enumtypid = t.oid) END),
    ('base type', CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END),
    ('nullability', CASE WHEN t.typtype = 'd' AND t.typnotnull THEN 'not null' END),
    ('default', t.typdefault),
    ('constraints', CASE WHEN t.typtype = 'd' THEN (
        SELECT pg_catalog.string_agg(pg_catalog.pg_get_constraintdef(dc.oid), ', ' ORDER BY dc.conname)
        -- a domain's NOT NULL is its nullability (a constraint from 17)
        FROM pg_catalog.pg_constraint dc WHERE dc.contypid = t.oid AND dc.contype <> 'n') END),
    ('attributes', CASE WHEN t.typtype = 'c' THEN (
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(ta.attname) || ' ' ||
                                     pg_catalog.format_type(ta.atttypid, ta.atttypmod), ', '
                                     ORDER BY ta.attnum)
        FROM pg_catalog.pg_attribute ta
        WHERE ta.attrelid = t.typrelid AND ta.attnum > 0 AND NOT ta.attisdropped) END),
    ('subtype', CASE WHEN t.typtype = 'r' THEN (
        SELECT pg_catalog.format_type(rg.rngsubtype, NULL) FROM pg_catalog.pg_range rg
        WHERE rg.rngtypid = t.oid) END)
) a(attribute, value)
WHERE (t.typtype IN ('e', 'd', 'r')
       OR (t.typtype = 'c' AND (SELECT tc.relkind FROM pg_catalog.pg_class tc
                                WHERE tc.oid = t.typrelid) = 'c'))
  AND (a.attribute = '' OR a.value IS NOT NULL)
  AND )SQL" + not_extension_member("pg_type", "t.oid") +
                                 R"SQL(
UNION ALL
SELECT 'extension', pg_catalog.quote_ident(x.extname), '', a.attribute, a.value
FROM pg_catalog.pg_extension x
CROSS JOIN LATERAL (VALUES ('', NULL), ('version', x.extversion)) a(attribute, value)
WHERE x.extname <> 'ivory')SQL";

// The facts' count and the sum of a 64-bit hash of each, which needs no
// sort (so no collation either) and no text of the facts: the fields are
// hashed in turn, each seeding the next, so no two different facts collide
// by where one field ends, and a null value seeds differently from ''.
// hashtextextended is PostgreSQL 11's; older sources fail the query, and the
// caller then compares the facts themselves.
const std::string schema_digest = R"SQL(
SELECT pg_catalog.count(*)::pg_catalog.text || ' ' || COALESCE(pg_catalog.sum(
    pg_catalog.hashtextextended(COALESCE(f.v, ''),
        pg_catalog.hashtextextended(f.a, pg_catalog.hashtextextended(f.p,
            pg_catalog.hashtextextended(f.n, pg_catalog.hashtextextended(f.t, 0))))
        # (f.v IS NULL)::pg_catalog.int4::pg_catalog.int8)), 0)::pg_catalog.text
FROM ()SQL" + schema_facts + R"SQL() AS f(t, n, p, a, v))SQL";

const std::string database_options = R"SQL(
SELECT pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype,
       d.datconnlimit::pg_catalog.text, pg_catalog.pg_get_userbyid(d.datdba)
FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())SQL";

const std::string server_version_num =
    "SELECT pg_catalog.current_setting('server_version_num')";

const std::string source_role = R"SQL(
SELECT r.rolname::pg_catalog.text, r.rolsuper::pg_catalog.text, r.rolreplication::pg_catalog.text,
       pg_catalog.current_setting('server_version_num')
FROM pg_catalog.pg_roles r WHERE r.rolname = SESSION_USER)SQL";

// WAL senders are counted by pg_stat_get_wal_senders, which lists every one
// to every role; pg_stat_activity hides the backend type of other roles'
// sessions from a role that is not a superuser (or pg_read_all_stats).
std::string source_settings(const std::string &login_role) {
    const std::string role = quote_literal(login_role);
    return R"SQL(
SELECT pg_catalog.current_setting('wal_level'),
       pg_catalog.current_setting('max_replication_slots'),
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_replication_slots)::pg_catalog.text,
       pg_catalog.current_setting('max_wal_senders'),
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_get_wal_senders())::pg_catalog.text,
       pg_catalog.host(pg_catalog.inet_client_addr()),
       pg_catalog.host(pg_catalog.inet_server_addr()),
       COALESCE((SELECT s.ssl FROM pg_catalog.pg_stat_ssl s
                 WHERE s.pid = pg_catalog.pg_backend_pid()), false)::pg_catalog.text,
       pg_catalog.current_database(),
       (SELECT pg_catalog.string_agg(r.rolname, E'\n') FROM pg_catalog.pg_roles r
        WHERE r.rolname <> )SQL" +
           role + R"SQL(
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles me
                      WHERE me.rolname = )SQL" +
           role + R"SQL(
                        AND pg_catalog.pg_has_role(me.oid, r.oid, 'MEMBER'))))SQL";
}

// From 16 on, entries starting with '/' are regular expressions: the source
// matches them against the database and the replication role with its own
// regex engine, which statement_timeout and cancel stop (a pattern compiled
// into std::regex here could backtrack for ever, uninterruptibly).
std::string hba_rules(const std::string &login_role) {
    return R"SQL(
WITH rules AS (
    SELECT r.*, pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 160000
                AND r.error IS NULL AS regex_entries
    FROM pg_catalog.pg_hba_file_rules r)
SELECT line_number::pg_catalog.text, type, pg_catalog.array_to_string(database, E'\n'),
       pg_catalog.array_to_string(user_name, E'\n'), address, netmask, auth_method, error,
       regex_entries::pg_catalog.text,
       (regex_entries AND EXISTS (
           SELECT FROM pg_catalog.unnest(database) AS d(entry)
           WHERE pg_catalog.substr(d.entry, 1, 1) = '/'
             AND pg_catalog.current_database() OPERATOR(pg_catalog.~) pg_catalog.substr(d.entry, 2)
       ))::pg_catalog.text,
       (regex_entries AND EXISTS (
           SELECT FROM pg_catalog.unnest(user_name) AS u(entry)
           WHERE pg_catalog.substr(u.entry, 1, 1) = '/'
             AND )SQL" +
           quote_literal(login_role) +
           R"SQL( OPERATOR(pg_catalog.~) pg_catalog.substr(u.entry, 2)
       ))::pg_catalog.text
FROM rules ORDER BY line_number)SQL";
}

const std::string unreadable_tables =
    user_tables("NOT pg_catalog.has_table_privilege(c.oid, 'SELECT')");

std::string tables_outside_publication(const std::string &publication) {
    return "WITH ns AS (" + user_namespaces + R"SQL()
SELECT ns.nspname::pg_catalog.text, c.relname::pg_catalog.text,
       pg_catalog.pg_has_role(c.relowner, 'USAGE')::pg_catalog.text,
       pg_catalog.has_table_privilege(c.oid, 'SELECT')::pg_catalog.text
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND )SQL" +
           not_extension_member("pg_class", "c.oid") + R"SQL(
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_publication_tables p
                  WHERE p.pubname = )SQL" +
           quote_literal(publication) + R"SQL(
                    AND p.schemaname = ns.nspname AND p.tablename = c.relname)
ORDER BY 1, 2)SQL";
}

const std::string tables_without_identity = user_tables(R"SQL(c.relpersistence = 'p' AND (
    c.relreplident = 'n'
    OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                             WHERE i.indrelid = c.oid AND i.indisprimary))
    OR (c.relreplident = 'i' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                             WHERE i.indrelid = c.oid AND i.indisreplident))))SQL");

const std::string unlogged_tables = user_tables("c.relpersistence = 'u'");

const std::string uncarried_counts = "WITH ns AS (" + user_namespaces + R"SQL()
SELECT (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
        WHERE c.relkind = 'S')::pg_catalog.text,
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_largeobject_metadata)::pg_catalog.text)SQL";

// Each object's owner and the grantees of its privileges, as pg_dump writes
// them (OWNER TO, GRANT): objects of extensions are the extension's, and the
// public schema of a server before 15 is the bootstrap superuser's, which
// pg_dump leaves out.
const std::string schema_roles =
    "WITH ns AS (" + user_namespaces + "),\n" + "classes AS (" +
    user_objects("pg_class", "c", "c.oid, c.relowner, c.relacl", "relnamespace") + "),\n" +
    "functions AS (" + user_objects("pg_proc", "p", "p.proowner, p.proacl", "pronamespace") +
    "),\n" + "types AS (" + user_objects("pg_type", "t", "t.typowner, t.typacl", "typnamespace") +
    ")," +
    R"SQL(
named(role) AS (
    SELECT s.nspowner FROM pg_catalog.pg_namespace s JOIN ns ON ns.oid = s.oid
    WHERE NOT (s.nspname = 'public' AND s.nspowner = 10)
    UNION SELECT (pg_catalog.aclexplode(s.nspacl)).grantee
          FROM pg_catalog.pg_namespace s JOIN ns ON ns.oid = s.oid
    UNION SELECT relowner FROM classes
    UNION SELECT (pg_catalog.aclexplode(relacl)).grantee FROM classes
    UNION SELECT (pg_catalog.aclexplode(a.attacl)).grantee
          FROM pg_catalog.pg_attribute a JOIN classes ON classes.oid = a.attrelid
    UNION SELECT proowner FROM functions
    UNION SELECT (pg_catalog.aclexplode(proacl)).grantee FROM functions
    UNION SELECT typowner FROM types
    UNION SELECT (pg_catalog.aclexplode(typacl)).grantee FROM types
    UNION SELECT d.defaclrole FROM pg_catalog.pg_default_acl d
    UNION SELECT (pg_catalog.aclexplode(d.defaclacl)).grantee FROM pg_catalog.pg_default_acl d
    UNION SELECT pg_catalog.unnest(p.polroles) FROM pg_catalog.pg_policy p
    UNION SELECT m.umuser FROM pg_catalog.pg_user_mappings m)
SELECT DISTINCT r.rolname FROM named JOIN pg_catalog.pg_roles r ON r.oid = named.role
WHERE r.rolname !~ '^pg_' ORDER BY 1)SQL";

const std::string role_names = R"SQL(
SELECT r.rolname FROM pg_catalog.pg_roles r ORDER BY 1)SQL";

const std::string installed_extensions = R"SQL(
SELECT x.extname, x.extversion FROM pg_catalog.pg_extension x
WHERE x.extname <> 'ivory' ORDER BY 1)SQL";

const std::string available_extensions = R"SQL(
SELECT a.name FROM pg_catalog.pg_available_extensions a ORDER BY 1)SQL";

const std::string target_settings = R"SQL(
SELECT pg_catalog.current_setting('max_logical_replication_workers'),
       pg_catalog.current_setting('max_worker_processes'),
       pg_catalog.current_setting('max_sync_workers_per_subscription'),
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_subscription
        WHERE pid IS NOT NULL)::pg_catalog.text)SQL";

} // namespace ivory::catalog_queries
