// --json: a command's SQL result as one JSON document on standard output, for
// schedulers and monitoring; the log lines stay on standard error.
#pragma once

#include <ostream>
#include <string>

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

namespace ivory::cli {

// The rows as a JSON array of objects, one member per column under the
// column's name: booleans and numbers as JSON's, json and jsonb nested, NULL
// as null, the rest as strings.
nlohmann::ordered_json result_rows(const PGresult *result);

// The same as text.
std::string result_as_json(const PGresult *result);

// Writes result_as_json and a newline to `out`.
void print_result_as_json(const PGresult *result, std::ostream &out);

} // namespace ivory::cli
