// A query result as text, the shape both sides of ivory speak: the source over
// libpq and the target over SPI. NULL is an empty optional.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ivory {

using Value = std::optional<std::string>;
using Row = std::vector<Value>;
using Rows = std::vector<Row>;

// Runs read-only catalog queries on one database.
class QueryRunner {
  public:
    virtual ~QueryRunner() = default;
    // `step` names what the query is for; it becomes the error context.
    virtual Rows query(const std::string &sql, const std::string &step) = 0;
};

inline std::string value_or(const Value &value, const std::string &fallback) {
    return value ? *value : fallback;
}

// The same, taking the text over instead of copying it.
inline std::string value_or(Value &&value, const std::string &fallback) {
    return value ? std::move(*value) : fallback;
}

} // namespace ivory
