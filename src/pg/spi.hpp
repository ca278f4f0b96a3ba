// The target side: catalog queries in the caller's own session through SPI.
#pragma once

#include "../core/rows.hpp"

namespace ivory::pg {

// Connects to SPI for its lifetime. Queries run read-only in the caller's
// snapshot; an error aborts the caller's transaction as any SQL error would.
class LocalSession : public QueryRunner {
  public:
    LocalSession();
    ~LocalSession() override;
    LocalSession(const LocalSession &) = delete;
    LocalSession &operator=(const LocalSession &) = delete;

    Rows query(const std::string &sql, const std::string &step) override;

  private:
    bool connected_ = false;
};

} // namespace ivory::pg
