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

    // A temporary view of `query`, made and printed in a subtransaction that
    // is rolled back: nothing of it stays. nullopt when it cannot be made.
    std::optional<std::string> view_definition_of(const std::string &query) override;

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

// Whether the caller's transaction is READ COMMITTED: only then does each
// query see what other sessions committed meanwhile (a wait for their work
// needs that).
bool in_read_committed_transaction();

// A GUC nest level with the settings made through it saved, as a function's
// SET clause saves its own: when the scope ends they are back at the caller's
// values, in or outside a transaction block. (A plain SET LOCAL inside a nest
// level outlives it until the transaction ends; only a saved setting, or a
// SET LOCAL of a saved one, is restored.) On an error the transaction's or
// subtransaction's abort restores them instead.
class LocalSettingsScope {
  public:
    LocalSettingsScope();
    ~LocalSettingsScope();
    LocalSettingsScope(const LocalSettingsScope &) = delete;
    LocalSettingsScope &operator=(const LocalSettingsScope &) = delete;

    // Sets `name` to `value` until the scope ends.
    void set(const std::string &name, const std::string &value);
    // Saves the caller's value of `name`, so that statements run inside the
    // scope (SET LOCAL, set_config(..., true)) change it only until it ends.
    void keep(const std::string &name);

  private:
    int nest_level_;
    int exceptions_at_start_;
};

} // namespace ivory::pg
