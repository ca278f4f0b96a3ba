// The replication lifecycle: ivory.replication_create, _start, _stop, _status
// and _drop.
//
// CREATE SUBSCRIPTION with a slot, REFRESH PUBLICATION and DROP SUBSCRIPTION
// with a slot refuse to run inside a function. So the remote half is done
// here over libpq (role, publication, slot on the source, each undone if the
// transaction aborts), and the local half with the commands that may run in
// a function: CREATE SUBSCRIPTION ... WITH (connect = false), the subscribed
// tables registered as REFRESH would register them, ALTER SUBSCRIPTION
// ENABLE/DISABLE, and SET (slot_name = NONE) before DROP SUBSCRIPTION.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "background_copy.hpp"
#include "core/catalog_queries.hpp"
#include "core/checks.hpp"
#include "core/conninfo.hpp"
#include "core/ddl_tracking.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_features.hpp"
#include "core/replication_naming.hpp"
#include "core/server_versions.hpp"
#include "core/session_settings.hpp"
#include "core/source_role.hpp"
#include "core/strings.hpp"
#include "functions.hpp"
#include "pg/replication_catalog.hpp"
#include "pg/server_info.hpp"
#include "pg/spi.hpp"
#include "recorded_ddl.hpp"
#include "remote/connection.hpp"
#include "remote/undo_on_abort.hpp"
#include "subscription.hpp"

namespace ivory {

namespace {

// How long drop waits for the source to let go of a slot before it ends the
// session that holds it.
constexpr int slot_release_attempts = 50;
constexpr long slot_release_pause_ms = 200;

const std::string role = replication_role;

// --- the source ----------------------------------------------------------------

std::string drop_role_statement() {
    return "DO $ivory$ BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = " +
           quote_literal(role) + ") THEN DROP OWNED BY " + sql_identifier(role) + "; DROP ROLE " +
           sql_identifier(role) + "; END IF; END $ivory$";
}

// Read access for the table-sync workers' COPY: pg_read_all_data covers tables
// created later too; before PostgreSQL 14, grants per schema.
void grant_read_access(remote::Connection &source) {
    if (source.server_version() >= 140000) {
        source.query("GRANT pg_read_all_data TO " + sql_identifier(role),
                     "granting read access to the replication role");
        return;
    }
    source.query("DO $ivory$ DECLARE s text; BEGIN FOR s IN SELECT nspname FROM "
                 "pg_catalog.pg_namespace WHERE nspname NOT IN ('pg_catalog', "
                 "'information_schema') AND nspname NOT LIKE 'pg\\_%' LOOP "
                 "EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %I', s, " +
                     quote_literal(role) +
                     "); EXECUTE pg_catalog.format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO "
                     "%I', s, " +
                     quote_literal(role) + "); END LOOP; END $ivory$",
                 "granting read access to the replication role");
}

struct CreateRequest {
    std::string source;
    std::string publication;
    std::string subscription;
    std::optional<std::string> replication_password;
    bool skip_checks = false;
    bool drop_replication_user = false;
    bool track_ddl = false;
    ReplicationFeatures features;
    SourceRole source_role; // who ivory is on the source
};

// A source role that is not a superuser replicates as itself: it cannot make
// a role that has REPLICATION and reads every table, and it needs neither.
ObjectAction use_source_role(const SourceRole &source_role) {
    if (!source_role.replication)
        throw needs_replication_attribute(source_role);
    return {"role", source_role.name, "used"};
}

// The subscription's login as the source role itself reads every published
// table (the initial copy, the table-sync workers).
void require_readable_publication(remote::Connection &source, const CreateRequest &request) {
    const Rows unreadable = source.query(
        "SELECT pg_catalog.format('%I.%I', schemaname, tablename) FROM "
        "pg_catalog.pg_publication_tables WHERE pubname = " +
            quote_literal(request.publication) +
            " AND NOT pg_catalog.has_table_privilege(pg_catalog.format('%I.%I', schemaname, "
            "tablename), 'SELECT') ORDER BY 1",
        "checking that the replication role may read the published tables");
    std::vector<std::string> tables;
    for (const Row &row : unreadable)
        tables.push_back(text_of(row, 0));
    if (!tables.empty())
        throw cannot_read_tables(
            request.source_role, tables,
            "The subscription logs in as " + quote_identifier(request.source_role.name) +
                " and reads every table of publication " + quote_identifier(request.publication) +
                " for its initial copy");
}

// The replication role's sessions on the source (the table-sync copy of
// native_copy, the apply's stream) are not cut by a DBA's timeouts for the
// database: a role's own settings come before the database's.
void unbind_role_sessions(remote::Connection &source) {
    for (const auto &[name, value] : unbounded_session_settings(source.server_version()))
        source.query("ALTER ROLE " + sql_identifier(role) + " SET " + name + " = " +
                         quote_literal(value),
                     "lifting the replication role's session timeouts");
}

ObjectAction ensure_role(remote::Connection &source, const CreateRequest &request,
                         const std::string &password, bool password_known_to_role,
                         const std::string &comment) {
    const Rows found =
        source.query("SELECT rolcanlogin::pg_catalog.text, rolreplication::pg_catalog.text FROM "
                     "pg_catalog.pg_roles WHERE rolname = " +
                         quote_literal(role),
                     "looking up the replication role");
    bool exists = !found.empty();
    bool recreated = false;
    if (exists && request.drop_replication_user) {
        source.query(drop_role_statement(), "dropping the replication role");
        exists = false;
        recreated = true;
    }
    const std::string hashed_password = quote_literal(source.encrypt_password(password, role));
    if (!exists) {
        source.query("CREATE ROLE " + sql_identifier(role) + " LOGIN REPLICATION PASSWORD " +
                         hashed_password,
                     "creating the replication role");
        remote::undo_on_abort(request.source, drop_role_statement());
        unbind_role_sessions(source);
        grant_read_access(source);
        source.query("COMMENT ON ROLE " + sql_identifier(role) + " IS " + quote_literal(comment),
                     "commenting the replication role");
        return {"role", role, recreated ? "recreated" : "created"};
    }
    bool updated = false;
    const Row &existing = first_row(found, "looking up the replication role");
    if (text_of(existing, 0) != "true" || text_of(existing, 1) != "true") {
        source.query("ALTER ROLE " + sql_identifier(role) + " LOGIN REPLICATION",
                     "updating the replication role");
        updated = true;
    }
    if (!password_known_to_role) {
        source.query("ALTER ROLE " + sql_identifier(role) + " PASSWORD " + hashed_password,
                     "setting the replication role's password");
        updated = true;
    }
    unbind_role_sessions(source);
    grant_read_access(source);
    return {"role", role, updated ? "updated" : "exists"};
}

// A superuser's publication is FOR ALL TABLES. Any other role may publish
// only the tables it owns, one by one: its publication lists every
// permanent table of the user schemas, and a later call adds those created
// since. A publication that ivory did not make is used only when it
// publishes every table already.
ObjectAction ensure_publication(remote::Connection &source, const CreateRequest &request,
                                const std::string &comment) {
    const Rows found = source.query(
        "SELECT p.puballtables::pg_catalog.text, COALESCE(pg_catalog.obj_description(p.oid, "
        "'pg_publication'), '') FROM pg_catalog.pg_publication p WHERE p.pubname = " +
            quote_literal(request.publication),
        "looking up the publication");
    const bool exists = !found.empty();
    if (exists && text_of(first_row(found, "looking up the publication"), 0) == "true")
        return {"publication", request.publication, "exists"};
    const std::string name = sql_identifier(request.publication);
    if (!exists && request.source_role.superuser) {
        source.query("CREATE PUBLICATION " + name + " FOR ALL TABLES", "creating the publication");
        remote::undo_on_abort(request.source, "DROP PUBLICATION IF EXISTS " + name);
        source.query("COMMENT ON PUBLICATION " + name + " IS " + quote_literal(comment),
                     "commenting the publication");
        return {"publication", request.publication, "created"};
    }

    std::vector<std::string> to_add;    // as SQL
    std::vector<std::string> unlisted;  // for people
    std::vector<std::string> not_owned; // for people
    for (const Row &table :
         source.query(catalog_queries::tables_outside_publication(request.publication),
                      "listing the tables the publication does not publish")) {
        const std::string quoted =
            quote_identifier(text_of(table, 0)) + "." + quote_identifier(text_of(table, 1));
        to_add.push_back("ONLY " + sql_identifier(text_of(table, 0)) + "." +
                         sql_identifier(text_of(table, 1)));
        unlisted.push_back(quoted);
        if (text_of(table, 2) != "true")
            not_owned.push_back(quoted);
    }
    if (exists) {
        if (to_add.empty())
            return {"publication", request.publication, "exists"};
        if (!is_managed_comment(text_of(first_row(found, "looking up the publication"), 1)))
            throw Error("42710",
                        "publication " + quote_identifier(request.publication) +
                            " exists on the source but does not publish all tables",
                        "Not published: " + listed_names(unlisted) + ".",
                        "Drop it, or choose another publication name.");
    }
    if (!not_owned.empty())
        throw cannot_publish_tables(request.source_role, request.publication, not_owned);
    const std::string tables = join(to_add, ", ");
    if (exists) {
        source.query("ALTER PUBLICATION " + name + " ADD TABLE " + tables,
                     "adding tables to the publication");
        return {"publication", request.publication, "updated"};
    }
    source.query("CREATE PUBLICATION " + name + (tables.empty() ? "" : " FOR TABLE " + tables),
                 "creating the publication");
    remote::undo_on_abort(request.source, "DROP PUBLICATION IF EXISTS " + name);
    source.query("COMMENT ON PUBLICATION " + name + " IS " + quote_literal(comment),
                 "commenting the publication");
    return {"publication", request.publication, "created"};
}

// The event trigger that records DDL commands, made by a superuser: only one
// may make event triggers, and the publication carrying ivory.ddl_commands is
// FOR ALL TABLES only then. A source with ivory's extension has an ivory
// schema of its own, which this would clash with.
ObjectAction ensure_ddl_tracking(remote::Connection &source, const CreateRequest &request,
                                 const std::string &comment) {
    if (!request.source_role.superuser)
        throw Error(sqlstate::insufficient_privilege,
                    "track_ddl needs a superuser on the source, and " +
                        quote_identifier(request.source_role.name) + " is not one",
                    "Only a superuser may create the event trigger that records DDL commands.",
                    "Connect to the source as a superuser, or replicate without track_ddl and "
                    "apply schema changes to both sides yourself.");
    if (!source
             .query("SELECT FROM pg_catalog.pg_extension WHERE extname = 'ivory'",
                    "looking for ivory's extension on the source")
             .empty())
        throw Error("0A000", "track_ddl cannot record DDL on a source that has ivory's extension",
                    "The extension's schema ivory is where ivory would record the commands.",
                    "Replicate without track_ddl.");
    // Installed again when it exists: a newer ivory's recording replaces
    // the older one's.
    const bool existed = source_records_ddl(source);
    for (const std::string &statement : ddl_tracking_install(role, comment))
        source.query(statement, "installing DDL tracking");
    if (existed)
        return {"ddl tracking", ddl_schema, "exists"};
    for (const std::string &statement : ddl_tracking_removal())
        remote::undo_on_abort(request.source, statement);
    return {"ddl tracking", ddl_schema, "created"};
}

ObjectAction ensure_slot(remote::Connection &source, const CreateRequest &request,
                         const std::string &slot) {
    const Rows found = source.query(
        "SELECT plugin, (database = pg_catalog.current_database())::pg_catalog.text FROM "
        "pg_catalog.pg_replication_slots WHERE slot_name = " +
            quote_literal(slot),
        "looking up the replication slot");
    if (!found.empty()) {
        const Row &existing = first_row(found, "looking up the replication slot");
        if (text_of(existing, 0) != "pgoutput" || text_of(existing, 1) != "true")
            throw Error("42710",
                        "replication slot " + slot + " exists on the source for another use",
                        "It is not a pgoutput slot of this database.",
                        "Drop it, or choose another subscription name.");
        return {"slot", slot, "exists"};
    }
    // In a transaction of its own: a slot cannot be created in one that wrote.
    source.query(create_slot_sql(slot, request.features), "creating the replication slot");
    remote::undo_on_abort(request.source, drop_slot_sql(slot));
    return {"slot", slot, "created"};
}

// --- the target ------------------------------------------------------------------

// Registers the published tables the subscription does not have yet; returns
// how many were added. A published table missing here is an error.
int register_published_tables(pg::LocalSession &target, remote::Connection &source,
                              const Subscription &subscription) {
    std::vector<std::string> quoted_publications;
    for (const std::string &publication : subscription.publications)
        quoted_publications.push_back(quote_literal(publication));
    if (quoted_publications.empty())
        return 0;
    const std::string publications = join(quoted_publications, ", ");
    const Rows published =
        source.query("SELECT DISTINCT schemaname, tablename FROM pg_catalog.pg_publication_tables "
                     "WHERE pubname IN (" +
                         publications + ") ORDER BY 1, 2",
                     "listing the published tables");

    std::set<std::string> registered;
    for (const Row &row : target.query("SELECT srrelid::pg_catalog.text FROM "
                                       "pg_catalog.pg_subscription_rel WHERE srsubid = $1::oid",
                                       {Value(subscription.oid)}, "listing subscribed tables"))
        registered.insert(text_of(row, 0));

    std::vector<std::string> missing;
    std::vector<std::string> to_register;
    for (const Row &table : published) {
        const Rows found = target.query(
            "SELECT c.oid::pg_catalog.text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace "
            "n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND "
            "c.relkind IN ('r', 'p')",
            {table.at(0), table.at(1)}, "finding a published table");
        if (found.empty())
            missing.push_back(quote_identifier(text_of(table, 0)) + "." +
                              quote_identifier(text_of(table, 1)));
        else if (const std::string oid = text_of(first_row(found, "finding a published table"), 0);
                 !registered.count(oid))
            to_register.push_back(oid);
    }
    if (!missing.empty())
        throw Error("42P01", "published tables are missing on the target: " + join(missing, ", "),
                    "", "Copy the schema first (ivory.copy_schema, ivory copyschema).");
    for (const std::string &table : to_register)
        pg::add_subscription_table(subscription.oid, table);
    return static_cast<int>(to_register.size());
}

ObjectAction ensure_subscription(pg::LocalSession &target, pg::LocalSettingsScope &settings,
                                 const CreateRequest &request, const std::string &slot,
                                 const std::string &conninfo, const std::string &password,
                                 const std::optional<Subscription> &existing,
                                 const std::string &comment) {
    const std::string name = subscription_sql_name(request.subscription);
    if (!existing) {
        // connect = false: no slot, no copy, disabled; its warning that no
        // tables were subscribed is ivory's to handle, not the user's to read,
        // and must not reach the server log, whose CONTEXT line would quote
        // the statement and its password.
        settings.set("client_min_messages", "error");
        settings.set("log_min_messages", "error");
        target.execute("CREATE SUBSCRIPTION " + name + " CONNECTION " + quote_literal(conninfo) +
                           " PUBLICATION " + sql_identifier(request.publication) +
                           " WITH (connect = false, slot_name = " + quote_literal(slot) +
                           subscription_options(request.features) + ")",
                       password);
        target.execute("COMMENT ON SUBSCRIPTION " + name + " IS " + quote_literal(comment));
        return {"subscription", request.subscription, "created"};
    }
    if (existing->slot_name && *existing->slot_name != slot)
        throw Error("42710",
                    "subscription " + quote_identifier(request.subscription) +
                        " exists with another replication slot (" + *existing->slot_name + ")",
                    "", "Drop it with ivory.replication_drop first.");
    bool updated = false;
    if (existing->conninfo != conninfo) {
        target.execute("ALTER SUBSCRIPTION " + name + " CONNECTION " + quote_literal(conninfo),
                       password);
        updated = true;
    }
    if (existing->publications != std::vector<std::string>{request.publication}) {
        target.execute("ALTER SUBSCRIPTION " + name + " SET PUBLICATION " +
                       sql_identifier(request.publication) + " WITH (refresh = false)");
        updated = true;
    }
    return {"subscription", request.subscription, updated ? "updated" : "exists"};
}

void require_ready(QueryRunner &source, pg::LocalSession &target) {
    std::string failures;
    for (const CheckResult &check : run_checks(source, target))
        if (!check.ok && check.severity == Severity::error)
            failures += (failures.empty() ? "" : "\n") + check.checker + ": " + check.detail;
    if (!failures.empty())
        throw Error("55000", "the databases are not ready for replication", failures,
                    "Fix what the checks report (ivory.check), or pass skip_checks => true.");
}

// --- drop ------------------------------------------------------------------------

// The replication role's password as another database's subscription here
// keeps it, replicating from the same source server: the role is the source
// cluster's, shared by every database replicated from it (ivory
// --all-databases), and a new password would lock the others out. Only a
// superuser reads the subscriptions' connection strings.
std::optional<std::string> sibling_password(pg::LocalSession &target,
                                            const std::string &source_conninfo) {
    if (target
            .query("SELECT FROM pg_catalog.pg_roles WHERE rolname = CURRENT_USER AND "
                   "rolsuper",
                   "asking whether this role is a superuser")
            .empty())
        return std::nullopt;
    const auto server = [](const std::string &conninfo) {
        return std::make_pair(conninfo_value(conninfo, "host").value_or(""),
                              conninfo_value(conninfo, "port").value_or(""));
    };
    for (const Row &row : target.query(
             "SELECT s.subconninfo FROM pg_catalog.pg_subscription s WHERE s.subdbid <> (SELECT "
             "d.oid FROM pg_catalog.pg_database d WHERE d.datname = "
             "pg_catalog.current_database()) ORDER BY s.oid",
             "looking for the replication role's password")) {
        const std::string conninfo = text_of(row, 0);
        const std::optional<std::string> password = conninfo_value(conninfo, "password");
        if (conninfo_value(conninfo, "user") == std::optional<std::string>(role) && password &&
            !password->empty() && server(conninfo) == server(source_conninfo))
            return password;
    }
    return std::nullopt;
}

} // namespace

std::vector<ObjectAction> drop_slots(QueryRunner &source, const std::string &slot,
                                     const std::string &condition, const std::string &where) {
    std::vector<ObjectAction> dropped;
    for (int attempt = 0;; ++attempt) {
        const Rows slots =
            source.query("SELECT slot_name::pg_catalog.text, active::pg_catalog.text, "
                         "active_pid::pg_catalog.text FROM pg_catalog.pg_replication_slots WHERE " +
                             condition,
                         "listing the subscription's slots");
        bool waiting = false;
        for (const Row &found : slots) {
            const std::string name = text_of(found, 0);
            if (text_of(found, 1) == "true") {
                waiting = true;
                if (attempt == slot_release_attempts)
                    source.query("SELECT pg_catalog.pg_terminate_backend(" + text_of(found, 2) +
                                     ")",
                                 "ending the session that holds a slot");
                continue;
            }
            source.query(drop_slot_sql(name), "dropping a replication slot");
            dropped.push_back({name == slot ? "slot" : "sync slot", name, "dropped"});
        }
        if (!waiting)
            break;
        if (attempt > slot_release_attempts)
            throw Error("55006", "replication slots of the subscription are still in use " + where,
                        "", "Run the drop again.");
        pg::sleep_interruptibly(slot_release_pause_ms);
    }
    if (std::none_of(dropped.begin(), dropped.end(),
                     [&](const ObjectAction &action) { return action.object_name == slot; }))
        dropped.insert(dropped.begin(), {"slot", slot, "absent"});
    return dropped;
}

std::vector<ObjectAction> replication_create(const std::string &source_conninfo,
                                             const std::string &publication,
                                             const std::string &subscription_name,
                                             const std::optional<std::string> &replication_password,
                                             bool skip_checks, bool drop_replication_user,
                                             bool track_ddl) {
    const std::string slot = slot_name_for(subscription_name);
    const std::string comment = managed_comment_now();
    std::vector<ObjectAction> actions;

    pg::LocalSession target;
    remote::Connection source(source_conninfo);
    // ivory's own statements on the source are never recorded as the
    // application's DDL.
    source.query("SET ivory_ddl.record = off", "turning DDL recording off for ivory's session");
    // Before anything is made, whatever skip_checks says.
    require_source_not_newer(source.server_version(), pg::running_server_version_num());
    const CreateRequest request{
        source_conninfo,
        publication,
        subscription_name,
        replication_password,
        skip_checks,
        drop_replication_user,
        track_ddl,
        replication_features(source.server_version(), pg::running_server_version_num()),
        read_source_role(source)};
    if (!skip_checks)
        require_ready(source, target);

    const std::optional<Subscription> existing = find_subscription(target, subscription_name);
    const bool as_source_role =
        replication_login(request.source_role) == ReplicationLogin::source_role;
    std::string password;
    if (as_source_role) {
        // The source role's own login: the password it connected with here
        // (or the one given), nothing made or changed on the source.
        password = replication_password ? *replication_password : source.pinned().password;
        actions.push_back(use_source_role(request.source_role));
    } else {
        // ivory_replicator's password lives only in the subscription: reuse
        // it unless told otherwise, so that a second call changes nothing.
        const std::optional<std::string> stored_password =
            existing ? conninfo_value(existing->conninfo, "password")
                     : sibling_password(target, source_conninfo);
        const bool keep_stored = !replication_password && stored_password &&
                                 !stored_password->empty() && !drop_replication_user;
        password = replication_password ? *replication_password
                   : keep_stored        ? *stored_password
                                        : pg::random_password();
        actions.push_back(ensure_role(source, request, password, keep_stored, comment));
    }
    if (track_ddl)
        actions.push_back(ensure_ddl_tracking(source, request, comment));
    actions.push_back(ensure_publication(source, request, comment));
    if (as_source_role)
        require_readable_publication(source, request);
    actions.push_back(ensure_slot(source, request, slot));

    pg::LocalSettingsScope settings;
    settings.set("standard_conforming_strings", "on");
    actions.push_back(ensure_subscription(
        target, settings, request, slot,
        subscription_conninfo(source_conninfo, replication_login_role(request.source_role),
                              password),
        password, existing, comment));
    const Subscription created = require_subscription(target, subscription_name);
    const int added = register_published_tables(target, source, created);
    actions.push_back({"tables", std::to_string(added), "registered"});
    return actions;
}

std::string replication_start_message(const std::string &subscription_name, bool refresh,
                                      bool fail_on_already_started, bool native_copy, bool wait,
                                      std::optional<int> jobs, long long split_bytes) {
    require_valid_jobs(jobs);
    if (split_bytes < 1)
        throw Error(sqlstate::invalid_parameter,
                    "split_tables_larger_than must be above 0 bytes, not " +
                        std::to_string(split_bytes));
    // Fresh snapshots: a start that waits watches the workers' progress.
    pg::LocalSession target(false);
    const Subscription subscription = require_subscription(target, subscription_name);
    const bool copy_to_do = !native_copy && copy_pending(target, subscription);
    const std::optional<CopyProgress> copy = copy_progress(target, subscription.oid);
    const bool copy_running = copy && copy->running;
    const auto refuse_if_told = [&] {
        if (fail_on_already_started)
            throw Error("55000", "subscription " + quote_identifier(subscription_name) +
                                     " is already started");
    };
    if (subscription.enabled || copy_running)
        refuse_if_told();
    int added = 0;
    if (refresh) {
        remote::Connection source(subscription.conninfo);
        added = register_published_tables(target, source, subscription);
    }
    const std::string tables =
        added > 0 ? ", " + std::to_string(added) + " new table(s) registered" : "";
    if (subscription.enabled)
        return "already started" + tables;
    // The first start has ivory's workers copy every table, unless told to
    // leave it to PostgreSQL's table-sync workers; a start after an
    // interrupted copy resumes it. The workers enable the subscription once
    // every table is copied. Tables added by a later refresh always go to
    // the table-sync workers.
    if (copy_to_do) {
        // A copy that ended meanwhile has enabled the subscription.
        if (!copy_running && require_subscription(target, subscription_name).enabled) {
            refuse_if_told();
            return "already started" + tables;
        }
        const std::string copied = start_copy(target, subscription, jobs, split_bytes, wait);
        return (copy_running ? "already started" : "started") + tables + "; " + copied;
    }
    // A copy that ended between the first reading and the look for copy
    // work enabled the subscription meanwhile: it was already started.
    if (require_subscription(target, subscription_name).enabled) {
        refuse_if_told();
        return "already started" + tables;
    }
    target.execute("ALTER SUBSCRIPTION " + subscription_sql_name(subscription_name) + " ENABLE");
    return "started" + tables;
}

std::string replication_stop_message(const std::string &subscription_name,
                                     bool fail_on_already_stopped) {
    pg::LocalSession target;
    const Subscription subscription = require_subscription(target, subscription_name);
    // A copy in progress is paused: what its workers had not committed is
    // rolled back, and the next start resumes it.
    const bool paused = pause_copy(target, subscription.oid);
    if (!subscription.enabled) {
        if (paused)
            return "stopped; the initial copy is paused";
        if (fail_on_already_stopped)
            throw Error("55000", "subscription " + quote_identifier(subscription_name) +
                                     " is already stopped");
        return "already stopped";
    }
    target.execute("ALTER SUBSCRIPTION " + subscription_sql_name(subscription_name) + " DISABLE");
    return "stopped";
}

std::vector<ObjectAction> replication_drop(const std::string &source_conninfo,
                                           const std::string &publication,
                                           const std::string &subscription_name, bool drop_user) {
    std::vector<ObjectAction> actions;
    std::string slot = slot_name_for(subscription_name);
    std::string slots_condition;
    {
        pg::LocalSession target;
        const std::string system_identifier = target_system_identifier(target);
        slots_condition = subscription_slots_condition(slot, "", system_identifier);
        if (const auto subscription = find_subscription(target, subscription_name)) {
            // An initial copy is cancelled: its workers end, and the
            // temporary slot of their snapshot goes with their connection.
            if (cancel_copy(target, subscription->oid))
                actions.push_back({"initial copy", subscription_name, "cancelled"});
            if (subscription->slot_name)
                slot = *subscription->slot_name;
            // The copy's temporary slots too: one whose session has not
            // ended yet (the target crashed) would hold WAL until it does.
            slots_condition =
                "(" + subscription_slots_condition(slot, subscription->oid, system_identifier) +
                ") OR (database = pg_catalog.current_database() AND " +
                copy_slots_condition(subscription->oid, system_identifier) + ")";
            const std::string name = subscription_sql_name(subscription_name);
            pg::LocalSettingsScope settings;
            // DROP SUBSCRIPTION reports each table-sync slot it drops.
            settings.set("client_min_messages", "warning");
            if (subscription->enabled)
                target.execute("ALTER SUBSCRIPTION " + name + " DISABLE");
            // Without a slot, DROP SUBSCRIPTION may run in a function; it
            // stops the workers and drops the replication origins.
            if (subscription->slot_name)
                target.execute("ALTER SUBSCRIPTION " + name + " SET (slot_name = NONE)");
            target.execute("DROP SUBSCRIPTION " + name);
            // The recorded DDL commands it brought, and what became of them
            // (the extension has their tables from 0.6.0).
            if (!target
                     .query("SELECT WHERE pg_catalog.to_regclass('ivory.ddl_applied') IS NOT NULL",
                            "looking for the recorded DDL commands")
                     .empty())
                target.execute("DELETE FROM ivory.ddl_applied WHERE subscription = " +
                               quote_literal(subscription->oid) +
                               "::pg_catalog.oid; DELETE FROM ivory.ddl_commands");
            actions.push_back({"subscription", subscription_name, "dropped"});
        } else {
            actions.push_back({"subscription", subscription_name, "absent"});
        }
    }

    remote::Connection source(source_conninfo);
    source.query("SET ivory_ddl.record = off", "turning DDL recording off for ivory's session");
    for (ObjectAction &action : drop_slots(source, slot, slots_condition, "on the source"))
        actions.push_back(std::move(action));
    // Before the role: the recording's grants name it.
    if (source_records_ddl(source)) {
        for (const std::string &statement : ddl_tracking_removal())
            source.query(statement, "removing DDL tracking");
        actions.push_back({"ddl tracking", ddl_schema, "dropped"});
    }

    const bool publication_exists =
        !source
             .query("SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = " +
                        quote_literal(publication),
                    "looking up the publication")
             .empty();
    if (publication_exists)
        source.query("DROP PUBLICATION " + sql_identifier(publication), "dropping the publication");
    actions.push_back({"publication", publication, publication_exists ? "dropped" : "absent"});

    if (drop_user) {
        const bool role_exists =
            !source
                 .query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = " + quote_literal(role),
                        "looking up the replication role")
                 .empty();
        // Other databases replicated from this source log in as it too.
        const Rows elsewhere =
            role_exists ? source.query("SELECT DISTINCT a.datname::pg_catalog.text FROM "
                                       "pg_catalog.pg_stat_activity a WHERE a.usename = " +
                                           quote_literal(role) +
                                           " AND a.datname <> pg_catalog.current_database() "
                                           "ORDER BY 1",
                                       "looking for the replication role's other databases")
                        : Rows{};
        if (!elsewhere.empty()) {
            std::vector<std::string> databases;
            for (const Row &row : elsewhere)
                databases.push_back(text_of(row, 0));
            actions.push_back(
                {"role", role, "kept: " + join(databases, ", ") + " replicate with it"});
            return actions;
        }
        if (role_exists) {
            try {
                source.query(drop_role_statement(), "dropping the replication role");
            } catch (const Error &error) {
                // A superuser's replication left it; a source role that is
                // not one may not drop it.
                if (error.fields().sqlstate != sqlstate::insufficient_privilege)
                    throw;
                throw cannot_drop_ivory_role(read_source_role(source), error.fields().message);
            }
        }
        actions.push_back({"role", role, role_exists ? "dropped" : "absent"});
    }
    return actions;
}

} // namespace ivory
