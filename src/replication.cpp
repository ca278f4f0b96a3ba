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

#include "core/checks.hpp"
#include "core/conninfo.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/strings.hpp"
#include "functions.hpp"
#include "initial_copy.hpp"
#include "pg/remote_cleanup.hpp"
#include "pg/replication_catalog.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"

namespace ivory {

namespace {

// A reply older than this means the subscriber is not keeping up or is gone.
constexpr long long stale_reply_seconds = 300;
// How long drop waits for the source to let go of a slot before it ends the
// session that holds it.
constexpr int slot_release_attempts = 50;
constexpr long slot_release_pause_ms = 200;

const std::string role = replication_role;

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
    return text;
}

struct Subscription {
    std::string oid;
    std::string name;
    bool enabled = false;
    std::string conninfo;
    std::optional<std::string> slot_name;
    std::vector<std::string> publications;
};

std::optional<Subscription> find_subscription(pg::LocalSession &target, const std::string &name) {
    const Rows rows = target.query(
        "SELECT s.oid::pg_catalog.text, s.subenabled::pg_catalog.text, s.subconninfo, "
        "s.subslotname::pg_catalog.text, pg_catalog.array_to_string(s.subpublications, E'\\n') "
        "FROM pg_catalog.pg_subscription s "
        "WHERE s.subname = $1 AND s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d "
        "WHERE d.datname = pg_catalog.current_database())",
        {Value(name)}, "looking up the subscription");
    if (rows.empty())
        return std::nullopt;
    const Row &row = rows.front();
    return Subscription{text_of(row, 0), name,      text_of(row, 1) == "true",
                        text_of(row, 2), row.at(3), split_lines(text_of(row, 4))};
}

Subscription require_subscription(pg::LocalSession &target, const std::string &name) {
    if (auto subscription = find_subscription(target, name))
        return *subscription;
    throw Error("42704", "subscription " + quote_identifier(name) + " does not exist", "",
                "Create it with ivory.replication_create (ivory replication create).");
}

std::string subscription_sql_name(const std::string &name) {
    return sql_identifier(name);
}

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
};

Row ensure_role(remote::Connection &source, const CreateRequest &request,
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
        pg::undo_on_abort(request.source, drop_role_statement());
        grant_read_access(source);
        source.query("COMMENT ON ROLE " + sql_identifier(role) + " IS " + quote_literal(comment),
                     "commenting the replication role");
        return {Value("role"), Value(role), Value(recreated ? "recreated" : "created")};
    }
    bool updated = false;
    if (text_of(found.front(), 0) != "true" || text_of(found.front(), 1) != "true") {
        source.query("ALTER ROLE " + sql_identifier(role) + " LOGIN REPLICATION",
                     "updating the replication role");
        updated = true;
    }
    if (!password_known_to_role) {
        source.query("ALTER ROLE " + sql_identifier(role) + " PASSWORD " + hashed_password,
                     "setting the replication role's password");
        updated = true;
    }
    grant_read_access(source);
    return {Value("role"), Value(role), Value(updated ? "updated" : "exists")};
}

Row ensure_publication(remote::Connection &source, const CreateRequest &request,
                       const std::string &comment) {
    const Rows found = source.query(
        "SELECT puballtables::pg_catalog.text FROM pg_catalog.pg_publication WHERE pubname = " +
            quote_literal(request.publication),
        "looking up the publication");
    if (!found.empty()) {
        if (text_of(found.front(), 0) != "true")
            throw Error("42710",
                        "publication " + quote_identifier(request.publication) +
                            " exists on the source but does not publish all tables",
                        "", "Drop it, or choose another publication name.");
        return {Value("publication"), Value(request.publication), Value("exists")};
    }
    source.query("CREATE PUBLICATION " + sql_identifier(request.publication) + " FOR ALL TABLES",
                 "creating the publication");
    pg::undo_on_abort(request.source,
                      "DROP PUBLICATION IF EXISTS " + sql_identifier(request.publication));
    source.query("COMMENT ON PUBLICATION " + sql_identifier(request.publication) + " IS " +
                     quote_literal(comment),
                 "commenting the publication");
    return {Value("publication"), Value(request.publication), Value("created")};
}

Row ensure_slot(remote::Connection &source, const CreateRequest &request, const std::string &slot) {
    const Rows found = source.query(
        "SELECT plugin, (database = pg_catalog.current_database())::pg_catalog.text FROM "
        "pg_catalog.pg_replication_slots WHERE slot_name = " +
            quote_literal(slot),
        "looking up the replication slot");
    if (!found.empty()) {
        if (text_of(found.front(), 0) != "pgoutput" || text_of(found.front(), 1) != "true")
            throw Error("42710",
                        "replication slot " + slot + " exists on the source for another use",
                        "It is not a pgoutput slot of this database.",
                        "Drop it, or choose another subscription name.");
        return {Value("slot"), Value(slot), Value("exists")};
    }
    // In a transaction of its own: a slot cannot be created in one that wrote.
    source.query("SELECT pg_catalog.pg_create_logical_replication_slot(" + quote_literal(slot) +
                     ", 'pgoutput')",
                 "creating the replication slot");
    pg::undo_on_abort(request.source, drop_slot_sql(slot));
    return {Value("slot"), Value(slot), Value("created")};
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
        else if (!registered.count(text_of(found.front(), 0)))
            to_register.push_back(text_of(found.front(), 0));
    }
    if (!missing.empty())
        throw Error("42P01", "published tables are missing on the target: " + join(missing, ", "),
                    "", "Copy the schema first (ivory.copy_schema, ivory copyschema).");
    for (const std::string &table : to_register)
        pg::add_subscription_table(subscription.oid, table);
    return static_cast<int>(to_register.size());
}

Row ensure_subscription(pg::LocalSession &target, const CreateRequest &request,
                        const std::string &slot, const std::string &conninfo,
                        const std::string &password, const std::optional<Subscription> &existing,
                        const std::string &comment) {
    const std::string name = subscription_sql_name(request.subscription);
    if (!existing) {
        // connect = false: no slot, no copy, disabled; its warning that no
        // tables were subscribed is ivory's to handle, not the user's to read,
        // and must not reach the server log, whose CONTEXT line would quote
        // the statement and its password.
        target.execute("SET LOCAL client_min_messages = error");
        target.execute("SET LOCAL log_min_messages = error");
        target.execute("CREATE SUBSCRIPTION " + name + " CONNECTION " + quote_literal(conninfo) +
                           " PUBLICATION " + sql_identifier(request.publication) +
                           " WITH (connect = false, slot_name = " + quote_literal(slot) + ")",
                       password);
        target.execute("COMMENT ON SUBSCRIPTION " + name + " IS " + quote_literal(comment));
        return {Value("subscription"), Value(request.subscription), Value("created")};
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
    return {Value("subscription"), Value(request.subscription),
            Value(updated ? "updated" : "exists")};
}

void require_ready(QueryRunner &source, pg::LocalSession &target) {
    std::string failures;
    for (const CheckResult &check : run_checks(source, target))
        if (!check.ok && check.severity == "error")
            failures += (failures.empty() ? "" : "\n") + check.checker + ": " + check.detail;
    if (!failures.empty())
        throw Error("55000", "the databases are not ready for replication", failures,
                    "Fix what the checks report (ivory.check), or pass skip_checks => true.");
}

// --- drop ------------------------------------------------------------------------

// The condition on pg_replication_slots for the subscription's slots on the
// source: its main slot and its table-sync slots (named pg_<subscription
// oid>_sync_<table oid>_<target system identifier>), in the source database
// only, so that a slot of the same name elsewhere is left alone.
std::string subscription_slots_condition(const std::string &slot,
                                         const std::string &subscription_oid,
                                         const std::string &target_system_identifier) {
    std::string names = "slot_name = " + quote_literal(slot);
    if (!subscription_oid.empty())
        names += " OR slot_name LIKE " + quote_literal("pg\\_" + subscription_oid +
                                                       "\\_sync\\_%\\_" + target_system_identifier);
    return "database = pg_catalog.current_database() AND (" + names + ")";
}

std::string target_system_identifier(pg::LocalSession &target) {
    return text_of(target
                       .query("SELECT system_identifier::pg_catalog.text FROM "
                              "pg_catalog.pg_control_system()",
                              "reading the target's system identifier")
                       .at(0),
                   0);
}

// Drops the subscription's slots on the source, waiting (interruptibly) for
// the source to release them, and in the end ending the sessions that hold
// them.
std::vector<Row> drop_slots(remote::Connection &source, const std::string &slot,
                            const std::string &condition) {
    std::vector<Row> dropped;
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
            dropped.push_back(
                {Value(name == slot ? "slot" : "sync slot"), Value(name), Value("dropped")});
        }
        if (!waiting)
            break;
        if (attempt > slot_release_attempts)
            throw Error("55006",
                        "replication slots of the subscription are still in use on the source", "",
                        "Run ivory.replication_drop again.");
        pg::sleep_interruptibly(slot_release_pause_ms);
    }
    if (std::none_of(dropped.begin(), dropped.end(),
                     [&](const Row &row) { return text_of(row, 1) == slot; }))
        dropped.insert(dropped.begin(), {Value("slot"), Value(slot), Value("absent")});
    return dropped;
}

// --- status ----------------------------------------------------------------------

Row status_row(const std::string &item, const std::string &name, const std::string &state,
               const std::string &severity, const std::string &detail,
               std::optional<long long> copied = std::nullopt,
               std::optional<long long> total = std::nullopt) {
    Value percent;
    if (copied && total && *total > 0) {
        char text[16];
        std::snprintf(text, sizeof text, "%.1f",
                      std::min(99.9, 100.0 * static_cast<double>(*copied) / *total));
        percent = text;
    }
    return {Value(item),
            Value(name),
            Value(state),
            Value(severity),
            Value(detail),
            copied ? Value(std::to_string(*copied)) : Value(),
            total ? Value(std::to_string(*total)) : Value(),
            percent};
}

// The client backend running ivory's initial copy for the subscription (it
// holds the lock fast_initial_copy takes), if any.
struct InitialCopyBackend {
    std::string pid;
    std::string seconds; // since its transaction began
};

std::optional<InitialCopyBackend> initial_copy_backend(pg::LocalSession &target,
                                                       const std::string &subscription_oid) {
    const Rows found = target.query(
        "SELECT l.pid::pg_catalog.text, pg_catalog.round(EXTRACT(epoch FROM pg_catalog.now() - "
        "a.xact_start))::pg_catalog.text FROM pg_catalog.pg_locks l "
        "JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'object' AND l.granted "
        "AND l.classid = 'pg_catalog.pg_subscription'::pg_catalog.regclass "
        "AND l.objid = $1::pg_catalog.oid AND a.backend_type = 'client backend' "
        "AND l.pid <> pg_catalog.pg_backend_pid() LIMIT 1",
        {Value(subscription_oid)}, "looking for a running initial copy");
    if (found.empty())
        return std::nullopt;
    return InitialCopyBackend{text_of(found.front(), 0), text_of(found.front(), 1)};
}

// The initial copy's own rows: how long it runs, and the index it builds.
Rows initial_copy_rows(pg::LocalSession &target, const InitialCopyBackend &copier) {
    Rows rows;
    rows.push_back(status_row(
        "initial copy", "backend " + copier.pid, "running", "warning",
        "ivory copies the tables in the slot's snapshot" +
            (copier.seconds.empty() ? std::string() : " (for " + copier.seconds + " s)")));
    for (const Row &index : target.query(
             "SELECT p.relid::pg_catalog.regclass::pg_catalog.text, p.phase, "
             "(p.blocks_done * pg_catalog.current_setting('block_size')::pg_catalog.int8)"
             "::pg_catalog.text, (p.blocks_total * "
             "pg_catalog.current_setting('block_size')::pg_catalog.int8)::pg_catalog.text "
             "FROM pg_catalog.pg_stat_progress_create_index p WHERE p.pid = $1::pg_catalog.int4",
             {Value(copier.pid)}, "reading the index builds"))
        rows.push_back(status_row("index", "of " + text_of(index, 0), "building", "warning",
                                  "built after the data: " + text_of(index, 1),
                                  number_of(index.at(2)), number_of(index.at(3))));
    return rows;
}

} // namespace

Rows replication_create_rows(const std::string &source_conninfo, const std::string &publication,
                             const std::string &subscription_name,
                             const std::optional<std::string> &replication_password,
                             bool skip_checks, bool drop_replication_user) {
    const CreateRequest request{source_conninfo,      publication, subscription_name,
                                replication_password, skip_checks, drop_replication_user};
    const std::string slot = slot_name_for(subscription_name);
    const std::string comment = managed_comment(utc_now());
    Rows actions;

    pg::LocalSession target;
    remote::Connection source(source_conninfo);
    if (!skip_checks)
        require_ready(source, target);

    // The password lives only in the subscription: reuse it unless told
    // otherwise, so that a second call changes nothing.
    const std::optional<Subscription> existing = find_subscription(target, subscription_name);
    const std::optional<std::string> stored_password =
        existing ? conninfo_value(existing->conninfo, "password") : std::nullopt;
    const bool keep_stored = !replication_password && stored_password &&
                             !stored_password->empty() && !drop_replication_user;
    const std::string password = replication_password ? *replication_password
                                 : keep_stored        ? *stored_password
                                                      : pg::random_password();

    actions.push_back(ensure_role(source, request, password, keep_stored, comment));
    actions.push_back(ensure_publication(source, request, comment));
    actions.push_back(ensure_slot(source, request, slot));

    pg::LocalSettingsScope settings;
    target.execute("SET LOCAL standard_conforming_strings = on");
    actions.push_back(ensure_subscription(target, request, slot,
                                          subscription_conninfo(source_conninfo, password),
                                          password, existing, comment));
    const Subscription created = require_subscription(target, subscription_name);
    const int added = register_published_tables(target, source, created);
    actions.push_back({Value("tables"), Value(std::to_string(added)), Value("registered")});
    return actions;
}

std::string replication_start_message(const std::string &subscription_name, bool refresh,
                                      bool fail_on_already_started, bool native_copy) {
    pg::LocalSession target;
    const Subscription subscription = require_subscription(target, subscription_name);
    if (subscription.enabled && fail_on_already_started)
        throw Error("55000",
                    "subscription " + quote_identifier(subscription_name) + " is already started");
    int added = 0;
    if (refresh) {
        remote::Connection source(subscription.conninfo);
        added = register_published_tables(target, source, subscription);
    }
    const std::string tables =
        added > 0 ? ", " + std::to_string(added) + " new table(s) registered" : "";
    if (subscription.enabled)
        return "already started" + tables;
    // The first start copies every table itself, unless told to leave it to
    // PostgreSQL's table-sync workers; later ones (tables added by refresh)
    // always do.
    std::string copied;
    if (!native_copy && subscription.slot_name && all_tables_await_copy(target, subscription.oid)) {
        const InitialCopySummary summary = fast_initial_copy(
            target, subscription.oid, subscription.conninfo, *subscription.slot_name);
        copied = "; initial copy done: " + std::to_string(summary.tables) + " table(s) (" +
                 std::to_string(summary.tables_in_binary) + " in binary format), " +
                 std::to_string(summary.rows) + " row(s), " +
                 std::to_string(summary.indexes_built_after) +
                 " index(es) and key(s) built after the data";
    }
    target.execute("ALTER SUBSCRIPTION " + subscription_sql_name(subscription_name) + " ENABLE");
    return "started" + tables + copied;
}

std::string replication_stop_message(const std::string &subscription_name,
                                     bool fail_on_already_stopped) {
    pg::LocalSession target;
    const Subscription subscription = require_subscription(target, subscription_name);
    if (!subscription.enabled) {
        if (fail_on_already_stopped)
            throw Error("55000", "subscription " + quote_identifier(subscription_name) +
                                     " is already stopped");
        return "already stopped";
    }
    target.execute("ALTER SUBSCRIPTION " + subscription_sql_name(subscription_name) + " DISABLE");
    return "stopped";
}

Rows replication_drop_rows(const std::string &source_conninfo, const std::string &publication,
                           const std::string &subscription_name, bool drop_user) {
    Rows actions;
    std::string slot = slot_name_for(subscription_name);
    std::string slots_condition;
    {
        pg::LocalSession target;
        const std::string system_identifier = target_system_identifier(target);
        slots_condition = subscription_slots_condition(slot, "", system_identifier);
        if (const auto subscription = find_subscription(target, subscription_name)) {
            // An initial copy in progress is cancelled; its abort gives the
            // source back a plain slot, dropped below with the rest.
            if (const auto copier = initial_copy_backend(target, subscription->oid)) {
                target.query("SELECT pg_catalog.pg_cancel_backend($1::pg_catalog.int4)",
                             {Value(copier->pid)}, "cancelling the initial copy");
                actions.push_back(
                    {Value("initial copy"), Value("backend " + copier->pid), Value("cancelled")});
            }
            if (subscription->slot_name)
                slot = *subscription->slot_name;
            slots_condition =
                subscription_slots_condition(slot, subscription->oid, system_identifier);
            const std::string name = subscription_sql_name(subscription_name);
            pg::LocalSettingsScope settings;
            // DROP SUBSCRIPTION reports each table-sync slot it drops.
            target.execute("SET LOCAL client_min_messages = warning");
            if (subscription->enabled)
                target.execute("ALTER SUBSCRIPTION " + name + " DISABLE");
            // Without a slot, DROP SUBSCRIPTION may run in a function; it
            // stops the workers and drops the replication origins.
            if (subscription->slot_name)
                target.execute("ALTER SUBSCRIPTION " + name + " SET (slot_name = NONE)");
            target.execute("DROP SUBSCRIPTION " + name);
            actions.push_back({Value("subscription"), Value(subscription_name), Value("dropped")});
        } else {
            actions.push_back({Value("subscription"), Value(subscription_name), Value("absent")});
        }
    }

    remote::Connection source(source_conninfo);
    for (Row &row : drop_slots(source, slot, slots_condition))
        actions.push_back(std::move(row));

    const bool publication_exists =
        !source
             .query("SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = " +
                        quote_literal(publication),
                    "looking up the publication")
             .empty();
    if (publication_exists)
        source.query("DROP PUBLICATION " + sql_identifier(publication), "dropping the publication");
    actions.push_back({Value("publication"), Value(publication),
                       Value(publication_exists ? "dropped" : "absent")});

    if (drop_user) {
        const bool role_exists =
            !source
                 .query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = " + quote_literal(role),
                        "looking up the replication role")
                 .empty();
        if (role_exists)
            source.query(drop_role_statement(), "dropping the replication role");
        actions.push_back({Value("role"), Value(role), Value(role_exists ? "dropped" : "absent")});
    }
    return actions;
}

Rows replication_status_rows(const std::string &subscription_name,
                             const std::optional<std::string> &source_conninfo) {
    // Fresh snapshots: switchover asks again and again within one statement.
    pg::LocalSession target(false);
    const Subscription subscription = require_subscription(target, subscription_name);
    const std::string slot = subscription.slot_name.value_or(slot_name_for(subscription_name));
    Rows rows;
    const std::optional<InitialCopyBackend> copier = initial_copy_backend(target, subscription.oid);
    rows.push_back(
        status_row("subscription", subscription_name, subscription.enabled ? "enabled" : "disabled",
                   subscription.enabled ? "ok" : "error",
                   subscription.enabled ? "replication is started"
                   : copier ? "the initial copy runs; the subscription is enabled when it ends"
                            : "replication is stopped: start it"));
    if (copier)
        for (Row &row : initial_copy_rows(target, *copier))
            rows.push_back(std::move(row));

    const Rows workers = target.query(
        "SELECT pid::pg_catalog.text, pg_catalog.round(EXTRACT(epoch FROM pg_catalog.now() - "
        "last_msg_receipt_time))::pg_catalog.text FROM pg_catalog.pg_stat_subscription "
        "WHERE subid = $1::oid AND relid IS NULL AND pid IS NOT NULL",
        {Value(subscription.oid)}, "looking up the apply worker");
    const bool worker_running = !workers.empty();
    rows.push_back(status_row("worker", "apply", worker_running ? "running" : "not running",
                              worker_running || !subscription.enabled ? "ok" : "error",
                              worker_running ? "pid " + text_of(workers.front(), 0)
                                             : "no apply worker is running"));

    // The slot and the lag, as the source sees them.
    try {
        remote::Connection source(source_conninfo.value_or(subscription.conninfo));
        const Rows slots = source.query(
            "SELECT slot_name::pg_catalog.text, active::pg_catalog.text, "
            "pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), "
            "confirmed_flush_lsn)::bigint::pg_catalog.text, confirmed_flush_lsn::pg_catalog.text "
            "FROM pg_catalog.pg_replication_slots WHERE " +
                subscription_slots_condition(slot, subscription.oid,
                                             target_system_identifier(target)) +
                " ORDER BY 1",
            "reading the replication slots");
        bool main_found = false;
        for (const Row &found : slots) {
            const bool active = text_of(found, 1) == "true";
            if (text_of(found, 0) != slot) {
                // A table-sync worker streaming is worth a look, not an alarm.
                rows.push_back(
                    status_row("sync slot", text_of(found, 0), active ? "active" : "inactive",
                               active ? "warning" : "ok",
                               active ? "a table-sync worker is catching up through this slot"
                                      : "kept for a table's initial copy"));
                continue;
            }
            main_found = true;
            rows.push_back(status_row("slot", slot, active ? "active" : "inactive",
                                      active ? "ok" : "error",
                                      active ? "the subscription is streaming from it"
                                             : "no subscriber is streaming from it"));
            const long long lag = number_of(found.at(2));
            std::string detail = human_bytes(lag) + " of WAL not yet confirmed (confirmed up to " +
                                 text_of(found, 3) + ")";
            std::string severity = "ok";
            if (worker_running && workers.front().at(1)) {
                const long long age = number_of(workers.front().at(1));
                detail += "; last message from the source " + std::to_string(age) + " s ago";
                if (age > stale_reply_seconds)
                    severity = "error";
            }
            rows.push_back(
                status_row("lag", slot, std::to_string(lag) + " bytes", severity, detail));
        }
        if (!main_found)
            rows.push_back(status_row("slot", slot, "missing", "error",
                                      "the replication slot does not exist on the source"));
    } catch (const Error &error) {
        rows.push_back(status_row("slot", slot, "unknown", "error",
                                  "could not reach the source: " + error.fields().message + " " +
                                      error.fields().detail));
    }

    const Rows tables = target.query(
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), r.srsubstate::pg_catalog.text, "
        "p.bytes_processed::pg_catalog.text, n.nspname, c.relname "
        "FROM pg_catalog.pg_subscription_rel r "
        "JOIN pg_catalog.pg_class c ON c.oid = r.srrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_catalog.pg_stat_progress_copy p ON p.relid = c.oid "
        "WHERE r.srsubid = $1::oid ORDER BY 1",
        {Value(subscription.oid)}, "reading the tables' states");
    std::optional<remote::Connection> sizes;
    for (const Row &table : tables) {
        std::string state =
            subscription_state_name(text_of(table, 1).empty() ? '?' : text_of(table, 1)[0]);
        // ivory's own copy runs in one transaction: its tables show their
        // progress before they show another state.
        if (state == "initializing" && table.at(2))
            state = "copying";
        const bool ready = state == "ready";
        if (state != "copying") {
            rows.push_back(status_row("table", text_of(table, 0), state, ready ? "ok" : "error",
                                      ready ? "replicating" : "initial copy not finished"));
            continue;
        }
        const long long copied = number_of(table.at(2));
        std::optional<long long> total;
        try {
            if (!sizes)
                sizes.emplace(source_conninfo.value_or(subscription.conninfo));
            const Rows size = sizes->query(
                "SELECT pg_catalog.pg_table_size(c.oid)::pg_catalog.text FROM "
                "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = " +
                    quote_literal(text_of(table, 3)) +
                    " AND c.relname = " + quote_literal(text_of(table, 4)),
                "reading a table's size");
            if (!size.empty())
                total = number_of(size.front().at(0));
        } catch (const Error &) {
            // The size is a nicety; the state is the answer.
        }
        std::string detail = human_bytes(copied) + " copied";
        if (total)
            detail += " of about " + human_bytes(*total);
        rows.push_back(
            status_row("table", text_of(table, 0), state, "error", detail, copied, total));
    }
    return rows;
}

} // namespace ivory
