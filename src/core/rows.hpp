// A query result as text, the shape both sides of ivory speak: the source over
// libpq and the target over SPI. NULL is an empty optional.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "error.hpp"

namespace ivory {

using Value = std::optional<std::string>;
using Row = std::vector<Value>;
using Rows = std::vector<Row>;

// What reads the rows of a query sent earlier (QueryRunner::query_later).
using PendingRows = std::function<Rows()>;

// Runs read-only catalog queries on one database.
class QueryRunner {
  public:
    virtual ~QueryRunner() = default;
    // `step` names what the query is for; it becomes the error context.
    virtual Rows query(const std::string &sql, const std::string &step) = 0;

    // Sends the query and returns what reads its rows, so that another
    // database can answer meanwhile. Until the rows are read, nothing else may
    // be asked of this runner. By default the query runs at once.
    virtual PendingRows query_later(const std::string &sql, const std::string &step) {
        auto rows = std::make_shared<Rows>(query(sql, step));
        return [rows] { return std::move(*rows); };
    }

    // How this database prints (pg_get_viewdef) a view whose query is
    // `query`, as it would after CREATE VIEW ... AS query; nullopt when it
    // cannot tell. Servers of different versions print one query differently.
    virtual std::optional<std::string> view_definition_of(const std::string &query) {
        (void)query;
        return std::nullopt;
    }
};

inline std::string value_or(const Value &value, const std::string &fallback) {
    return value ? *value : fallback;
}

// A column of a row as text, "" for NULL.
inline std::string text_of(const Row &row, size_t column) {
    return value_or(row.at(column), "");
}

// The first column of every row, "" for NULL.
inline std::vector<std::string> first_column(const Rows &rows) {
    std::vector<std::string> values;
    for (const Row &row : rows)
        values.push_back(text_of(row, 0));
    return values;
}

// The first row of `rows`, or an error naming what the query was for: a
// source that answers with no row (a slot or a database gone meanwhile, a
// view that hides it) is an error, never a read past the end.
inline const Row &first_row(const Rows &rows, const std::string &what) {
    if (rows.empty())
        throw Error(sqlstate::internal, "no row came back while " + what);
    return rows.front();
}

// A value as a number, 0 for NULL or anything that is not one.
inline long long number_of(const Value &value) {
    try {
        return value ? std::stoll(*value) : 0;
    } catch (const std::exception &) {
        return 0;
    }
}

// The same, taking the text over instead of copying it.
inline std::string value_or(Value &&value, const std::string &fallback) {
    return value ? std::move(*value) : fallback;
}

} // namespace ivory
