#include "reverse_replication.hpp"

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/conninfo.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/replication_naming.hpp"
#include "core/source_role.hpp"
#include "core/strings.hpp"
#include "remote/undo_on_abort.hpp"
#include "subscription.hpp"

namespace ivory {

namespace {

const char *const publish_back_function = "ivory_publish_back_main";

const char *const drop_hint = "ivory.reverse_replication_drop(source) (ivory replication drop "
                              "--reverse) removes a way back left from before.";

// The subscription's row of the source's current database.
std::string subscription_condition(const std::string &subscription) {
    return "s.subname = " + quote_literal(subscription) +
           " AND s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = "
           "pg_catalog.current_database())";
}

std::string local_slot_condition(const std::string &slot) {
    return "slot_name = " + quote_literal(slot) + " AND database = pg_catalog.current_database()";
}

bool exists(QueryRunner &side, const std::string &sql, const std::string &step) {
    return !side.query(sql, step).empty();
}

// The tables of the forward subscription that the publication here carries
// back ("ONLY schema.table", quoted), ivory's own left out.
std::vector<std::string> tables_carried_back(pg::LocalSession &target,
                                             const std::string &forward_subscription_oid) {
    std::vector<std::string> tables;
    for (const Row &row : target.query(
             "SELECT pg_catalog.format('ONLY %I.%I', n.nspname, c.relname) FROM "
             "pg_catalog.pg_subscription_rel r JOIN pg_catalog.pg_class c ON c.oid = r.srrelid "
             "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE r.srsubid = "
             "$1::pg_catalog.oid AND n.nspname <> 'ivory' ORDER BY n.nspname, c.relname",
             {Value(forward_subscription_oid)}, "listing the tables to carry back"))
        tables.push_back(text_of(row, 0));
    return tables;
}

// The old source's session keeps the way back's connection string, password
// and all, out of its server log where the role may decide that.
void keep_statement_out_of_log(remote::Connection &source) {
    source.query("DO $ivory$ BEGIN PERFORM pg_catalog.set_config('log_statement', 'none', false); "
                 "PERFORM pg_catalog.set_config('log_min_error_statement', 'panic', false); "
                 "PERFORM pg_catalog.set_config('log_min_duration_statement', '-1', false); "
                 "EXCEPTION WHEN insufficient_privilege THEN NULL; END $ivory$",
                 "keeping the way back's password out of the source's log");
}

} // namespace

std::optional<ReverseSubscription> find_reverse_subscription(remote::Connection &source,
                                                             const std::string &subscription) {
    const Rows found = source.query(
        "SELECT s.subenabled::pg_catalog.text, s.subslotname::pg_catalog.text, (SELECT "
        "w.pid::pg_catalog.text FROM pg_catalog.pg_stat_subscription w WHERE w.subid = s.oid AND "
        "w.relid IS NULL AND w.pid IS NOT NULL LIMIT 1) FROM pg_catalog.pg_subscription s WHERE " +
            subscription_condition(subscription),
        "looking up the way back's subscription");
    if (found.empty())
        return std::nullopt;
    const Row &row = found.front();
    ReverseSubscription reverse;
    reverse.enabled = text_of(row, 0) == "true";
    if (row.at(1))
        reverse.slot_name = text_of(row, 1);
    if (row.at(2))
        reverse.worker_pid = text_of(row, 2);
    return reverse;
}

void require_reverse_possible(remote::Connection &source, pg::LocalSession &target,
                              const ReverseReplication &reverse) {
    const Row settings =
        first_row(target.query("SELECT pg_catalog.current_setting('wal_level'), ((SELECT "
                               "pg_catalog.count(*) FROM pg_catalog.pg_replication_slots) < "
                               "pg_catalog.current_setting('max_replication_slots')::integer AND "
                               "pg_catalog.current_setting('max_wal_senders')::integer > 0)::"
                               "pg_catalog.text",
                               "reading this server's replication settings"),
                  "reading this server's replication settings");
    if (text_of(settings, 0) != "logical")
        throw Error("55000", "the way back needs wal_level = logical on this server (the target)",
                    "wal_level is " + text_of(settings, 0) + ".",
                    "Set wal_level = logical and restart the target, or switch over without "
                    "the way back.");
    if (text_of(settings, 1) != "true")
        throw Error("53400", "the way back needs a free replication slot on this server",
                    "Every slot of max_replication_slots is taken, or max_wal_senders is 0.",
                    "Raise max_replication_slots or max_wal_senders (a restart).");
    const std::string slot = slot_name_for(reverse.subscription);
    if (exists(target,
               "SELECT FROM pg_catalog.pg_replication_slots WHERE " + local_slot_condition(slot),
               "looking for the way back's slot"))
        throw Error("42710", "replication slot " + slot + " exists on the target already", "",
                    drop_hint);
    const Rows publication = target.query(
        "SELECT COALESCE(pg_catalog.obj_description(p.oid, 'pg_publication'), '') FROM "
        "pg_catalog.pg_publication p WHERE p.pubname = " +
            quote_literal(reverse.publication),
        "looking for the way back's publication");
    if (!publication.empty() && !is_managed_comment(text_of(publication.front(), 0)))
        throw Error("42710",
                    "publication " + quote_identifier(reverse.publication) +
                        " exists on the target already",
                    "The way back publishes from the target under the forward publication's "
                    "name.",
                    drop_hint);
    const Rows not_owned = target.query(
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM "
        "pg_catalog.pg_subscription_rel r JOIN pg_catalog.pg_subscription s ON s.oid = r.srsubid "
        "JOIN pg_catalog.pg_class c ON c.oid = r.srrelid JOIN pg_catalog.pg_namespace n ON n.oid "
        "= c.relnamespace WHERE " +
            subscription_condition(reverse.subscription) +
            " AND NOT pg_catalog.pg_has_role(c.relowner, 'USAGE') ORDER BY 1",
        "looking for tables this role does not own");
    if (!not_owned.empty()) {
        std::vector<std::string> names;
        for (const Row &row : not_owned)
            names.push_back(text_of(row, 0));
        throw Error(sqlstate::insufficient_privilege,
                    "the way back publishes every replicated table, and this role does not own " +
                        join(names, ", "),
                    "", "Switch over as a superuser or as the tables' owner.");
    }

    const SourceRole role = read_source_role(source);
    const bool may_subscribe =
        role.superuser ||
        (role.server_version >= 160000 &&
         text_of(first_row(source.query("SELECT (pg_catalog.pg_has_role('pg_create_subscription', "
                                        "'USAGE') AND pg_catalog.has_database_privilege("
                                        "pg_catalog.current_database(), 'CREATE'))::"
                                        "pg_catalog.text",
                                        "asking whether the source role may subscribe"),
                           "asking whether the source role may subscribe"),
                 0) == "true");
    if (!may_subscribe)
        throw Error(sqlstate::insufficient_privilege,
                    "the way back needs a subscription on the source, and " +
                        quote_identifier(role.name) + " may not create one",
                    role.server_version >= 160000
                        ? "Creating a subscription takes a superuser, or a member of "
                          "pg_create_subscription with CREATE on the database."
                        : "Before PostgreSQL 16 only a superuser may create a subscription.",
                    "Switch over as a superuser of the source, or without the way back.");
    if (find_reverse_subscription(source, reverse.subscription))
        throw Error("42710",
                    "subscription " + quote_identifier(reverse.subscription) +
                        " exists on the source already",
                    "", drop_hint);
}

void publish_back(const ReverseReplication &reverse, const std::string &forward_subscription_oid) {
    if (!pg::in_read_committed_transaction())
        throw Error("25000", "the way back needs a READ COMMITTED transaction",
                    "In a REPEATABLE READ or SERIALIZABLE transaction its publication, made by a "
                    "background worker, stays invisible.",
                    "Call switchover outside such a transaction.");
    pg::WorkerArguments arguments = pg::arguments_for_this_session();
    arguments.subscription_oid = static_cast<unsigned int>(std::stoul(forward_subscription_oid));
    if (reverse.publication.size() >= sizeof arguments.name)
        throw Error(sqlstate::invalid_parameter,
                    "publication name " + quote_identifier(reverse.publication) + " is too long");
    reverse.publication.copy(arguments.name, reverse.publication.size());
    std::optional<pg::LaunchedWorker> worker = pg::launch_worker(
        publish_back_function, "ivory publication of the way back", arguments, "ivory way back");
    if (!worker)
        throw Error("53400", "no background worker slot is free to publish the way back",
                    "Every slot of max_worker_processes is in use.",
                    "Raise max_worker_processes, or end a background worker.");
    worker->wait_for_end();
    pg::LocalSession target(false);
    const Rows made = target.query(
        "SELECT COALESCE(pg_catalog.obj_description(p.oid, 'pg_publication'), '') FROM "
        "pg_catalog.pg_publication p WHERE p.pubname = " +
            quote_literal(reverse.publication),
        "looking for the way back's publication");
    if (made.empty() || !is_managed_comment(text_of(made.front(), 0)))
        throw Error(sqlstate::internal,
                    "the background worker could not publish the way back's tables", "",
                    "See the server's log.");
}

void run_publish_back(const pg::WorkerArguments &arguments) {
    const std::string publication(arguments.name, strnlen(arguments.name, sizeof arguments.name));
    const std::string forward_subscription_oid = std::to_string(arguments.subscription_oid);
    pg::in_transaction([&] {
        pg::LocalSession target(false);
        const std::vector<std::string> tables =
            tables_carried_back(target, forward_subscription_oid);
        const std::string name = sql_identifier(publication);
        // Absent, or ivory's from a switchover that failed (the caller
        // checked): made anew, of the tables of now.
        target.execute("DROP PUBLICATION IF EXISTS " + name);
        target.execute("CREATE PUBLICATION " + name +
                       (tables.empty() ? "" : " FOR TABLE " + join(tables, ", ")));
        target.execute("COMMENT ON PUBLICATION " + name + " IS " +
                       quote_literal(managed_comment_now()));
    });
}

std::string create_reverse_replication(remote::Connection &source,
                                       const std::string &source_conninfo, pg::LocalSession &target,
                                       const ReverseReplication &reverse) {
    // The slot's snapshot waits for every transaction here that has an ID:
    // this one must have none yet, or it would wait for itself.
    if (text_of(first_row(target.query("SELECT (pg_catalog.pg_current_xact_id_if_assigned() IS "
                                       "NULL)::pg_catalog.text",
                                       "looking at this transaction"),
                          "looking at this transaction"),
                0) != "true")
        throw Error(sqlstate::internal,
                    "the way back cannot be made in a transaction that has written",
                    "Its slot would wait for this transaction to end.",
                    "Call switchover in a transaction of its own.");
    const std::string slot = slot_name_for(reverse.subscription);
    const std::string name = sql_identifier(reverse.subscription);
    // Without its publication committed here, the subscription would
    // register no table and carry nothing back.
    if (!exists(target,
                "SELECT FROM pg_catalog.pg_publication WHERE pubname = " +
                    quote_literal(reverse.publication),
                "looking for the way back's publication"))
        throw Error("55000",
                    "the way back's publication " + quote_identifier(reverse.publication) +
                        " is missing here",
                    "", "Switch over with reverse_conninfo in phase 'prepare' (or 'all') first.");
    keep_statement_out_of_log(source);
    try {
        source.query("CREATE SUBSCRIPTION " + name + " CONNECTION " +
                         quote_literal(reverse.conninfo) + " PUBLICATION " +
                         sql_identifier(reverse.publication) + " WITH (create_slot = true, " +
                         "slot_name = " + quote_literal(slot) +
                         ", copy_data = false, enabled = false)",
                     "creating the way back's subscription");
    } catch (const Error &error) {
        ErrorFields fields = error.fields();
        for (std::string *text : {&fields.message, &fields.detail, &fields.hint, &fields.context})
            *text = mask_secrets(*text, reverse.conninfo);
        throw Error(fields);
    }
    remote::undo_on_abort(source_conninfo, "DROP SUBSCRIPTION IF EXISTS " + name);
    source.query("COMMENT ON SUBSCRIPTION " + name + " IS " + quote_literal(managed_comment_now()),
                 "commenting the way back's subscription");

    return text_of(first_row(target.query("SELECT confirmed_flush_lsn::pg_catalog.text FROM "
                                          "pg_catalog.pg_replication_slots WHERE " +
                                              local_slot_condition(slot),
                                          "reading the way back's slot"),
                             "reading the way back's slot"),
                   0);
}

void start_reverse_replication(remote::Connection &source, const ReverseReplication &reverse) {
    source.query("ALTER SUBSCRIPTION " + sql_identifier(reverse.subscription) + " ENABLE",
                 "enabling the way back's subscription");
}

std::vector<ObjectAction> drop_reverse_replication(remote::Connection &source,
                                                   pg::LocalSession &target,
                                                   const std::string &publication,
                                                   const std::string &subscription) {
    std::vector<ObjectAction> actions;
    const std::string name = sql_identifier(subscription);
    if (const std::optional<ReverseSubscription> found =
            find_reverse_subscription(source, subscription)) {
        // Without its slot, DROP SUBSCRIPTION does not reach for this
        // database: the slot is dropped here.
        if (found->enabled)
            source.query("ALTER SUBSCRIPTION " + name + " DISABLE",
                         "stopping the way back's subscription");
        if (found->slot_name)
            source.query("ALTER SUBSCRIPTION " + name + " SET (slot_name = NONE)",
                         "detaching the way back's subscription from its slot");
        source.query("DROP SUBSCRIPTION " + name, "dropping the way back's subscription");
        actions.push_back({"subscription", subscription, "dropped"});
    } else {
        actions.push_back({"subscription", subscription, "absent"});
    }

    const std::string slot = slot_name_for(subscription);
    for (ObjectAction &action : drop_slots(target, slot, local_slot_condition(slot), "here"))
        actions.push_back(std::move(action));

    const Rows found = target.query(
        "SELECT COALESCE(pg_catalog.obj_description(p.oid, 'pg_publication'), '') FROM "
        "pg_catalog.pg_publication p WHERE p.pubname = " +
            quote_literal(publication),
        "looking up the way back's publication");
    if (found.empty()) {
        actions.push_back({"publication", publication, "absent"});
    } else if (!is_managed_comment(text_of(found.front(), 0))) {
        actions.push_back({"publication", publication, "kept: not made by ivory"});
    } else {
        target.execute("DROP PUBLICATION " + sql_identifier(publication));
        actions.push_back({"publication", publication, "dropped"});
    }
    return actions;
}

} // namespace ivory
