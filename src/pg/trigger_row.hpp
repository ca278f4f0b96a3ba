// The row a row-level trigger function was called for, read by column name.
#pragma once

#include <optional>
#include <string>

#include "postgres.hpp"

namespace ivory::pg {

class TriggerRow {
  public:
    // Throws unless `fcinfo` is a call of a row-level trigger.
    explicit TriggerRow(FunctionCallInfo fcinfo);

    // The column's value as text; none when NULL. Throws for a missing column.
    std::optional<std::string> text(const char *column) const;
    std::string required_text(const char *column) const;

    // The row unchanged: what a BEFORE trigger returns to let it be written.
    Datum unchanged() const;

  private:
    TriggerData *data_;
};

} // namespace ivory::pg
