// The source side: a libpq connection from inside the backend that never
// blocks interrupts. Connecting and every query wait on the socket and the
// latch; cancel and statement_timeout stop them, and a query still running on
// the source when the connection is dropped is cancelled there.
#pragma once

#include <memory>
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
    // A bound on every wait, for cleanup during abort when interrupts are
    // held; 0 waits as long as the caller's statement allows.
    long timeout_ms = 0;
};

class Connection : public QueryRunner {
  public:
    // Connects to `conninfo`. Errors name the source with the password masked.
    explicit Connection(const std::string &conninfo, ConnectOptions options = {});
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Runs `sql`; a source error is rethrown with its SQLSTATE, detail and hint
    // and the context "while <step> on the source".
    Rows query(const std::string &sql, const std::string &step) override;

    // The source's server_version_num, e.g. 150020.
    int server_version() const;

    // A password hash for `role` computed here, so that the password itself
    // never travels in SQL text (which the source may log).
    std::string encrypt_password(const std::string &password, const std::string &role) const;

  private:
    void connect();
    void wait_for(int socket_events);
    Result run(const std::string &sql, const std::string &step);
    [[noreturn]] void fail(const std::string &message, const std::string &step,
                           const PGresult *result);

    std::string conninfo_;
    ConnectOptions options_;
    long waited_ms_ = 0; // counted against options_.timeout_ms
    ConnectionHandle handle_;
};

} // namespace ivory::remote
