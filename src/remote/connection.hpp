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

class Connection : public QueryRunner {
  public:
    // Connects to `conninfo`. Errors name the source with the password masked.
    explicit Connection(const std::string &conninfo);
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Runs `sql`; a source error is rethrown with its SQLSTATE, detail and hint
    // and the context "while <step> on the source".
    Rows query(const std::string &sql, const std::string &step) override;

    // The source's server_version_num, e.g. 150020.
    int server_version() const;

  private:
    void connect();
    void wait_for(int socket_events);
    Result run(const std::string &sql, const std::string &step);
    [[noreturn]] void fail(const std::string &message, const std::string &step,
                           const PGresult *result);

    std::string conninfo_;
    ConnectionHandle handle_;
};

} // namespace ivory::remote
