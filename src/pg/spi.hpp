// The target side: catalog queries in the caller's own session through SPI.
#pragma once

#include <string>
#include <vector>

#include "../core/rows.hpp"

namespace ivory::pg {

// Connects to SPI for its lifetime. Queries run read-only in the caller's
// snapshot; an error aborts the caller's transaction as any SQL error would.
class LocalSession : public QueryRunner {
  public:
    // `statement_snapshot`: every query sees the calling statement's snapshot
    // (one consistent view); otherwise each query takes a fresh one, for
    // functions that wait for other sessions' work.
    explicit LocalSession(bool statement_snapshot = true);
    ~LocalSession() override;
    LocalSession(const LocalSession &) = delete;
    LocalSession &operator=(const LocalSession &) = delete;

    Rows query(const std::string &sql, const std::string &step) override;

    // A query with text parameters $1, $2, ... (NULL for an empty Value).
    Rows query(const std::string &sql, const std::vector<Value> &parameters,
               const std::string &step);

    // Runs one or more statements that may write (DDL). An error shows
    // `secret` (a password the statement carries) nowhere.
    void execute(const std::string &sql, const std::string &secret = {});

  private:
    Rows fetch(const std::string &step, int rc);
    bool connected_ = false;
    bool statement_snapshot_;
};

// A GUC nest level, as a function's SET clause has: settings made with SET
// LOCAL inside it revert when it ends. On an error the transaction's abort
// reverts them instead.
class LocalSettingsScope {
  public:
    LocalSettingsScope();
    ~LocalSettingsScope();
    LocalSettingsScope(const LocalSettingsScope &) = delete;
    LocalSettingsScope &operator=(const LocalSettingsScope &) = delete;

    // Applies a setting for this scope only (GUC_ACTION_SAVE): the value it
    // replaces comes back when the scope ends, in or out of a transaction
    // block.
    void set(const std::string &name, const std::string &value);

  private:
    int nest_level_;
    int exceptions_at_start_;
};

} // namespace ivory::pg
