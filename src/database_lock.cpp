#include "database_lock.hpp"

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/strings.hpp"
#include "cutover_steps.hpp"
#include "pg/spi.hpp"

namespace ivory {

namespace {

const char *const lock_function = "ivory_lock_database_main";

// Whether the setting is committed, read with a fresh snapshot (the caller
// is READ COMMITTED): the worker's commit is what is asked about.
bool database_read_only_setting_committed(pg::LocalSession &session) {
    return text_of(first_row(session.query(
                                 "SELECT EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s, "
                                 "pg_catalog.unnest(s.setconfig) AS c(setting) WHERE s.setrole = 0 "
                                 "AND s.setdatabase = (SELECT d.oid FROM pg_catalog.pg_database d "
                                 "WHERE d.datname = pg_catalog.current_database()) AND c.setting = "
                                 "'default_transaction_read_only=on')::pg_catalog.text",
                                 "reading this database's settings"),
                             "reading this database's settings"),
                   0) == "true";
}

} // namespace

void require_may_lock_this_database(pg::LocalSession &session) {
    if (const DatabaseOwner database = database_owner(session); !database.owned)
        throw Error(sqlstate::insufficient_privilege,
                    "only the owner of database " + quote_identifier(database.database) +
                        " may make it read-only",
                    "",
                    "Run it as the database's owner (" + quote_identifier(database.owner) +
                        ") or a superuser.");
    session.query("SELECT pg_catalog.pg_stat_clear_snapshot()", "reading the sessions afresh");
    std::vector<std::string> sessions;
    for (const Row &row :
         session.query(std::string("SELECT pg_catalog.format('%I (pid %s)', a.usename, a.pid) FROM "
                                   "pg_catalog.pg_stat_activity a WHERE ") +
                           other_sessions + " AND NOT " + may_end_session + " ORDER BY a.pid",
                       "listing this database's sessions"))
        sessions.push_back(text_of(row, 0));
    if (!sessions.empty())
        throw Error(sqlstate::insufficient_privilege,
                    "this role may not end the sessions of " + join(sessions, ", "),
                    "Locking this database ends every other session of it.",
                    "Run it as a superuser, or end those sessions first.");
}

void make_this_database_read_only() {
    if (!pg::in_read_committed_transaction())
        throw Error("25000", "locking this database needs a READ COMMITTED transaction",
                    "In a REPEATABLE READ or SERIALIZABLE transaction the worker's lock stays "
                    "invisible, and so does the replication's progress.",
                    "Call it outside such a transaction.");
    pg::LocalSession session(false);
    require_may_lock_this_database(session);
    // Locked already (switchback run again): the worker's own session would
    // be read-only.
    if (database_read_only_setting_committed(session))
        return;
    std::optional<pg::LaunchedWorker> worker = pg::launch_worker(
        lock_function, "ivory lock of a database", pg::arguments_for_this_session(), "ivory lock");
    if (!worker)
        throw Error("53400", "no background worker slot is free to lock this database",
                    "Every slot of max_worker_processes is in use.",
                    "Raise max_worker_processes, or end a background worker.");
    worker->wait_for_end();
    if (!database_read_only_setting_committed(session))
        throw Error(sqlstate::internal,
                    "the background worker could not make this database "
                    "read-only",
                    "", "See the server's log.");
}

void run_database_lock(const pg::WorkerArguments &) {
    pg::in_transaction([] {
        pg::LocalSession session(false);
        session.execute("DO $ivory$ BEGIN EXECUTE pg_catalog.format('ALTER DATABASE %I SET "
                        "default_transaction_read_only = on', pg_catalog.current_database()); "
                        "END $ivory$");
    });
}

} // namespace ivory
