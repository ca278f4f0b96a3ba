// The source side: a libpq connection from inside the backend that never
// blocks interrupts. Connecting and every query wait on the socket and the
// latch; cancel and statement_timeout stop them, and a query still running on
// the source when the connection is dropped is cancelled there.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "../core/rows.hpp"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace ivory::remote {

struct ResultDeleter {
    void operator()(PGresult *result) const;
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Owns the PGconn and the external file descriptor reserved for it. A member
// of Connection, so it is released even when Connection's constructor throws.
struct ConnectionHandle {
    PGconn *conn = nullptr;
    bool holds_external_fd = false;

    ConnectionHandle() = default;
    ~ConnectionHandle();
    ConnectionHandle(const ConnectionHandle &) = delete;
    ConnectionHandle &operator=(const ConnectionHandle &) = delete;
};

struct ConnectOptions {
    // A non-superuser caller must bring a password that the source asks for.
    // Off only to reconnect with a connection string already checked in this
    // transaction (cleanup during abort, which must not touch the catalogs).
    bool check_caller_privileges = true;
    // A wall-clock bound on everything the connection does, connecting and
    // every query together, counted from its construction: for cleanup during
    // abort, when interrupts are held and nothing else could stop a source
    // that keeps talking (notices reset any bound on silence). 0: as long as
    // the caller's statement allows.
    long deadline_ms = 0;
};

// The password a connection used (from the connection string or the server's
// password file, which only a superuser's connection may read) and where it
// landed, for handing the same connection to pg_dump.
struct PinnedConnection {
    std::string conninfo; // pinned_conninfo() of core/conninfo.hpp, no password
    std::string password;
};

// What read_copy_data found.
enum class CopyRead { data, none_yet, end };

class Connection : public QueryRunner {
  public:
    // Connects to `conninfo`. Errors name the source with the password masked.
    // The session gets an empty search_path, standard_conforming_strings and
    // no timeouts of its own (unbounded_session_settings of the core): the
    // caller's statement bounds it here.
    explicit Connection(const std::string &conninfo, ConnectOptions options = {});
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Runs `sql`; a source error is rethrown with its SQLSTATE, detail and hint
    // and the context "while <step> on the source".
    Rows query(const std::string &sql, const std::string &step) override;

    // Sends the query now; the rows are read when the returned function is
    // called (before anything else is asked of this connection).
    PendingRows query_later(const std::string &sql, const std::string &step) override;

    // Starts `sql`, a COPY ... TO STDOUT; its rows then come from read_copy_data.
    void start_copy_out(const std::string &sql, const std::string &step);

    // Appends the next row of COPY data (text format, newline included) to
    // `data`. Without `wait`, returns none_yet rather than wait for the
    // network; `end` once the COPY finished (a COPY that failed on the source
    // throws). Waits are interruptible like every other.
    CopyRead read_copy_data(std::string &data, bool wait, const std::string &step);

    // The source's server_version_num, e.g. 150020.
    int server_version() const;

    // A connection string that reaches exactly the server and user this
    // connection reached (the host address it connected to, not a list of
    // hosts to try), with the password apart.
    PinnedConnection pinned() const;

    // A password hash for `role` computed here, so that the password itself
    // never travels in SQL text (which the source may log).
    std::string encrypt_password(const std::string &password, const std::string &role) const;

  private:
    using Clock = std::chrono::steady_clock;

    void connect();
    // Waits until the socket is ready for `socket_events`, until the latch is
    // set (interrupts processed), or fails once the deadline or, while
    // connecting, the connect_timeout has passed.
    void wait_for(int socket_events);
    void send(const std::string &sql, const std::string &step);
    // Sends a query whose rows are taken one result per row (single-row
    // mode), so that no result is held beside the rows made of it.
    void send_for_rows(const std::string &sql, const std::string &step);
    void await_input(const std::string &step);
    // The query's result once it is done (the first error if any), or the
    // COPY result as soon as a COPY begins. Rows that arrive one by one go to
    // `rows`: those of the last statement that returned any.
    Result next_result(const std::string &step, Rows *rows = nullptr);
    Result run(const std::string &sql, const std::string &step);
    // The finished query's result, failing on an error.
    Result finish(const std::string &step, Rows *rows = nullptr);
    // The rows of a query sent with send_for_rows, failing on an error.
    Rows finish_rows(const std::string &step);
    [[noreturn]] void fail(const std::string &message, const std::string &step,
                           const PGresult *result);

    std::string conninfo_;
    ConnectOptions options_;
    std::optional<Clock::time_point> deadline_;         // from options_.deadline_ms
    std::optional<Clock::time_point> connect_deadline_; // connect_timeout, while connecting
    long connect_timeout_ms_ = 0;
    ConnectionHandle handle_;
};

} // namespace ivory::remote
