#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <libpq-fe.h>

#include "connection.hpp"

#include "../core/conninfo.hpp"
#include "../core/error.hpp"
#include "../core/session_settings.hpp"
#include "../pg/guard.hpp"

namespace ivory::remote {

namespace {

// Defaults the caller's connection string may override, and settings it may not.
const char *const default_connect_timeout = "10";
// libpq applies connect_timeout only when it blocks (PQconnectdb); with
// PQconnectPoll ivory counts it itself, over the whole attempt.
constexpr long default_connect_timeout_ms = 10000;

// How many hosts a connection string lists (host or hostaddr, comma-separated).
long hosts_named(const std::string &conninfo) {
    long most = 1;
    for (const char *keyword : {"host", "hostaddr"}) {
        const std::string list = conninfo_value(conninfo, keyword).value_or("");
        most = std::max(most, 1 + static_cast<long>(std::count(list.begin(), list.end(), ',')));
    }
    return most;
}

long milliseconds_until(std::chrono::steady_clock::time_point when) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          when - std::chrono::steady_clock::now())
                          .count();
    return left < 0 ? 0 : static_cast<long>(std::min<long long>(left, 24L * 3600 * 1000));
}

std::string chomp(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

// The rows of a result, appended as text values.
void append_rows(Rows &rows, const PGresult *result) {
    const int count = PQntuples(result);
    const int columns = PQnfields(result);
    for (int i = 0; i < count; ++i) {
        Row row;
        row.reserve(columns);
        for (int column = 0; column < columns; ++column)
            row.push_back(PQgetisnull(result, i, column) ? Value()
                                                         : Value(PQgetvalue(result, i, column)));
        rows.push_back(std::move(row));
    }
}

} // namespace

void ResultDeleter::operator()(PGresult *result) const {
    PQclear(result);
}

Connection::Connection(const std::string &conninfo, ConnectOptions options)
    : conninfo_(conninfo), options_(options) {
    if (options_.deadline_ms > 0)
        deadline_ = Clock::now() + std::chrono::milliseconds(options_.deadline_ms);
    connect();
}

ConnectionHandle::~ConnectionHandle() {
    if (conn) {
        // A query still running there (we were interrupted) is cancelled, so
        // the source does not go on working for nobody.
        if (PQtransactionStatus(conn) == PQTRANS_ACTIVE) {
            if (PGcancel *cancel = PQgetCancel(conn)) {
                char error[256];
                PQcancel(cancel, error, sizeof error);
                PQfreeCancel(cancel);
            }
        }
        PQfinish(conn);
    }
    if (holds_external_fd)
        ReleaseExternalFD();
}

void Connection::connect() {
    char *parse_error = nullptr;
    PQconninfoOption *options = PQconninfoParse(conninfo_.c_str(), &parse_error);
    if (!options) {
        const std::string reason = parse_error ? chomp(parse_error) : "out of memory";
        PQfreemem(parse_error);
        throw Error(sqlstate::unable_to_connect, "invalid connection string for the source",
                    mask_secrets(reason, conninfo_));
    }
    PQconninfoFree(options);

    // As dblink: a non-superuser must not borrow the server's own identity
    // (trust, peer, .pgpass of the server's OS user).
    const bool superuser_caller =
        !options_.check_caller_privileges || pg::guarded([] { return superuser(); });
    if (!superuser_caller && !conninfo_has_password(conninfo_))
        throw Error(sqlstate::password_required, "password is required",
                    "Non-superusers must provide a password, in the connection string "
                    "or the user mapping.");
    // As postgres_fdw: nothing that lets the server pick the destination or
    // lend its own files.
    if (!superuser_caller)
        if (const std::optional<RefusedOption> refused =
                option_refused_for_non_superusers(conninfo_))
            throw Error(sqlstate::insufficient_privilege,
                        "connection option \"" + refused->keyword +
                            "\" is not allowed for non-superusers",
                        refused->reason,
                        "Name one host, its port, the user and the password in the connection "
                        "string, or ask a superuser to run this.");

    if (!pg::guarded([] { return AcquireExternalFD(); }))
        throw Error(sqlstate::unable_to_connect, "could not connect to the source",
                    "There are too many open files on the local server.",
                    "Raise the server's max_files_per_process and/or \"ulimit -n\" limits.");
    handle_.holds_external_fd = true;

    const char *encoding = pg::guarded([] { return GetDatabaseEncodingName(); });
    // Later entries override earlier ones, and the expanded connection string
    // overrides what comes before it.
    // `options` of the connection string replace the startup options; the
    // session's setup sets the limits again anyway.
    const std::string login_options = startup_options();
    const char *keywords[] = {
        "connect_timeout",           "keepalives", "options", "dbname", "client_encoding",
        "fallback_application_name", nullptr};
    const char *values[] = {default_connect_timeout,
                            "1",
                            login_options.c_str(),
                            conninfo_.c_str(),
                            encoding,
                            "ivory",
                            nullptr};
    handle_.conn = PQconnectStartParams(keywords, values, 1);
    if (!handle_.conn)
        throw std::bad_alloc();

    // libpq's connect_timeout is for each host it tries; the attempt as a
    // whole gets one for each host named.
    connect_timeout_ms_ = connect_timeout_ms(conninfo_, default_connect_timeout_ms);
    if (connect_timeout_ms_ > 0)
        connect_deadline_ =
            Clock::now() + std::chrono::milliseconds(connect_timeout_ms_ * hosts_named(conninfo_));
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;
    while (PQstatus(handle_.conn) != CONNECTION_BAD && status != PGRES_POLLING_OK &&
           status != PGRES_POLLING_FAILED) {
        wait_for(status == PGRES_POLLING_READING ? WL_SOCKET_READABLE : WL_SOCKET_WRITEABLE);
        status = PQconnectPoll(handle_.conn);
    }
    connect_deadline_.reset();
    if (PQstatus(handle_.conn) != CONNECTION_OK)
        throw Error(ErrorFields{sqlstate::unable_to_connect, "could not connect to the source",
                                mask_secrets(chomp(PQerrorMessage(handle_.conn)), conninfo_), "",
                                "connecting to " + redact_conninfo(conninfo_)});

    if (!superuser_caller && !PQconnectionUsedPassword(handle_.conn))
        throw Error(sqlstate::password_required, "password is required",
                    "Non-superuser cannot connect if the server does not request a password.",
                    "Target server's authentication method must be changed.");

    // Names in ivory's queries are qualified; an empty search path keeps the
    // source's objects from hijacking them.
    // The literals ivory sends are written for standard_conforming_strings;
    // ivory's own sessions may write after a switchover made the source
    // database read-only for everyone else (drop, unlock).
    std::vector<SessionSetting> settings = {{"search_path", ""},
                                            {"standard_conforming_strings", "on"},
                                            {"default_transaction_read_only", "off"}};
    // No timeout of the source's defaults for the database or role cuts a
    // long COPY, hash query or held snapshot: the caller's own
    // statement_timeout bounds the call here, in the caller's backend.
    for (SessionSetting &setting : unbounded_session_settings(PQserverVersion(handle_.conn)))
        settings.push_back(std::move(setting));
    run(set_config_query(settings), "setting up the session");
}

void Connection::wait_for(int socket_events) {
    // The nearer of the two limits, if any.
    std::optional<Clock::time_point> limit = deadline_;
    const bool connecting = connect_deadline_.has_value();
    if (connect_deadline_ && (!limit || *connect_deadline_ < *limit))
        limit = connect_deadline_;
    const auto expired = [&] {
        if (connecting && (!deadline_ || *connect_deadline_ <= *deadline_))
            return Error(ErrorFields{sqlstate::unable_to_connect,
                                     "could not connect to the source within the connect_timeout "
                                     "of " +
                                         std::to_string(connect_timeout_ms_ / 1000) + " s",
                                     "", "", "connecting to " + redact_conninfo(conninfo_)});
        return Error(sqlstate::connection_failure, "the source did not finish within " +
                                                       std::to_string(options_.deadline_ms) +
                                                       " ms");
    };
    if (limit && Clock::now() >= *limit)
        throw expired();

    const pgsocket socket = PQsocket(handle_.conn);
    const long timeout = limit ? milliseconds_until(*limit) : -1;
    const int flags = WL_EXIT_ON_PM_DEATH | WL_LATCH_SET | socket_events | (limit ? WL_TIMEOUT : 0);
    const int events = pg::guarded([socket, flags, timeout] {
        return WaitLatchOrSocket(MyLatch, flags, socket, timeout, PG_WAIT_EXTENSION);
    });
    if (events & WL_LATCH_SET) {
        pg::guarded([] { ResetLatch(MyLatch); });
        pg::check_for_interrupts();
    }
    if ((events & WL_TIMEOUT) || (limit && Clock::now() >= *limit))
        throw expired();
}

void Connection::send(const std::string &sql, const std::string &step) {
    if (!PQsendQuery(handle_.conn, sql.c_str()))
        fail("could not send a query to the source", step, nullptr);
}

void Connection::send_for_rows(const std::string &sql, const std::string &step) {
    send(sql, step);
    if (!PQsetSingleRowMode(handle_.conn))
        fail("could not ask the source for its rows one by one", step, nullptr);
}

void Connection::await_input(const std::string &step) {
    wait_for(WL_SOCKET_READABLE);
    if (!PQconsumeInput(handle_.conn))
        fail("lost the connection to the source", step, nullptr);
}

Result Connection::next_result(const std::string &step, Rows *rows) {
    Result last;
    bool statement_ended = false; // the rows so far are an earlier statement's
    for (;;) {
        while (PQisBusy(handle_.conn))
            await_input(step);
        Result next(PQgetResult(handle_.conn));
        if (!next)
            break;
        // A COPY hands the connection over to its data until it ends.
        const ExecStatusType status = PQresultStatus(next.get());
        if (status == PGRES_SINGLE_TUPLE && rows) {
            if (statement_ended)
                rows->clear();
            statement_ended = false;
            append_rows(*rows, next.get());
            continue;
        }
        // The end of a statement's rows, or a statement without any: as with
        // a result in normal mode, the last statement's rows are the answer.
        statement_ended = true;
        if (rows && status == PGRES_COMMAND_OK)
            rows->clear();
        if (status == PGRES_COPY_OUT || status == PGRES_COPY_IN || status == PGRES_COPY_BOTH)
            return next;
        // Keep the first error: later results of a failed query say less.
        if (!last || PQresultStatus(last.get()) != PGRES_FATAL_ERROR)
            last = std::move(next);
    }
    if (!last)
        fail("no result from the source", step, nullptr);
    return last;
}

Result Connection::finish(const std::string &step, Rows *rows) {
    Result last = next_result(step, rows);
    const ExecStatusType status = PQresultStatus(last.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        fail("query failed on the source", step, last.get());
    return last;
}

Result Connection::run(const std::string &sql, const std::string &step) {
    send(sql, step);
    return finish(step);
}

void Connection::start_copy_out(const std::string &sql, const std::string &step) {
    send(sql, step);
    const Result result = next_result(step);
    if (PQresultStatus(result.get()) != PGRES_COPY_OUT)
        fail("query failed on the source", step, result.get());
}

CopyRead Connection::read_copy_data(std::string &data, bool wait, const std::string &step) {
    for (bool consumed = false;;) {
        char *buffer = nullptr;
        const int length = PQgetCopyData(handle_.conn, &buffer, 1);
        if (length > 0) {
            data.append(buffer, static_cast<size_t>(length));
            PQfreemem(buffer);
            return CopyRead::data;
        }
        if (length == 0) {
            // No whole row buffered: take what the socket has, then wait if asked to.
            if (!consumed) {
                if (!PQconsumeInput(handle_.conn))
                    fail("lost the connection to the source", step, nullptr);
                consumed = true;
                continue;
            }
            if (!wait)
                return CopyRead::none_yet;
            await_input(step);
            continue;
        }
        if (length == -1) {
            const Result end = next_result(step);
            if (PQresultStatus(end.get()) != PGRES_COMMAND_OK)
                fail("COPY failed on the source", step, end.get());
            return CopyRead::end;
        }
        fail("could not read COPY data from the source", step, nullptr);
    }
}

void Connection::fail(const std::string &message, const std::string &step, const PGresult *result) {
    ErrorFields fields;
    fields.sqlstate = sqlstate::connection_failure;
    fields.message = message;
    fields.context = "while " + step + " on the source";
    auto field = [result](int code) {
        const char *value = result ? PQresultErrorField(result, code) : nullptr;
        return value ? std::string(value) : std::string();
    };
    if (result) {
        fields.sqlstate =
            field(PG_DIAG_SQLSTATE).empty() ? sqlstate::internal : field(PG_DIAG_SQLSTATE);
        fields.message = field(PG_DIAG_MESSAGE_PRIMARY);
        fields.detail = field(PG_DIAG_MESSAGE_DETAIL);
        fields.hint = field(PG_DIAG_MESSAGE_HINT);
        if (fields.message.empty())
            fields.message = chomp(PQresultErrorMessage(result));
    } else {
        fields.detail = chomp(PQerrorMessage(handle_.conn));
    }
    fields.message = mask_secrets(fields.message, conninfo_);
    fields.detail = mask_secrets(fields.detail, conninfo_);
    throw Error(std::move(fields));
}

int Connection::server_version() const {
    return PQserverVersion(handle_.conn);
}

PinnedConnection Connection::pinned() const {
    std::vector<std::pair<std::string, std::string>> effective;
    if (PQconninfoOption *options = PQconninfo(handle_.conn)) {
        // Secrets (password, sslpassword) would show on pg_dump's command line.
        for (const PQconninfoOption *option = options; option->keyword; ++option)
            if (option->val && !(option->dispchar && *option->dispchar == '*'))
                effective.emplace_back(option->keyword, option->val);
        PQconninfoFree(options);
    } else {
        throw std::bad_alloc();
    }
    auto text = [](const char *value) { return value ? std::string(value) : std::string(); };
    const ReachedServer reached{text(PQhost(handle_.conn)), text(PQhostaddr(handle_.conn)),
                                text(PQport(handle_.conn)), text(PQuser(handle_.conn)),
                                text(PQdb(handle_.conn))};
    // PQpass: the password of the connection string, or the one libpq took
    // from the password file for this host.
    return {pinned_conninfo(effective, reached), text(PQpass(handle_.conn))};
}

std::string Connection::encrypt_password(const std::string &password,
                                         const std::string &role) const {
    // With the algorithm named, libpq computes the hash locally and asks the
    // server nothing (no blocking round trip).
    char *hashed =
        PQencryptPasswordConn(handle_.conn, password.c_str(), role.c_str(), "scram-sha-256");
    if (!hashed)
        throw Error(sqlstate::internal, "could not hash the replication password",
                    chomp(PQerrorMessage(handle_.conn)));
    std::string result = hashed;
    PQfreemem(hashed);
    return result;
}

Rows Connection::finish_rows(const std::string &step) {
    Rows rows;
    // Single-row mode ends a statement with an empty result; a statement
    // that returns no rows, or a query in normal mode, keeps its rows there.
    const Result last = finish(step, &rows);
    if (PQntuples(last.get()) > 0) {
        rows.clear();
        append_rows(rows, last.get());
    }
    return rows;
}

Rows Connection::query(const std::string &sql, const std::string &step) {
    send_for_rows(sql, step);
    return finish_rows(step);
}

PendingRows Connection::query_later(const std::string &sql, const std::string &step) {
    send_for_rows(sql, step);
    return [this, step] { return finish_rows(step); };
}

} // namespace ivory::remote
