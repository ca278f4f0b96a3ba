// Returning rows from a set-returning function in materialize mode.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../core/rows.hpp"
#include "postgres.hpp"

namespace ivory::pg {

// Text of a non-null argument.
std::string text_argument(FunctionCallInfo fcinfo, int number);

// Text of an argument that may be NULL.
std::optional<std::string> optional_text_argument(FunctionCallInfo fcinfo, int number);

// The JSON text of a jsonb argument that may be NULL.
std::optional<std::string> optional_jsonb_argument(FunctionCallInfo fcinfo, int number);

// Text of an argument that must not be NULL in a non-strict function.
std::string required_text_argument(FunctionCallInfo fcinfo, int number, const char *name);

// A boolean argument; NULL counts as false.
bool bool_argument(FunctionCallInfo fcinfo, int number);
// The same, but NULL is an error naming the argument: for a choice such as
// dry_run, where reading NULL as false would act for real.
bool required_bool_argument(FunctionCallInfo fcinfo, int number, const char *name);

// The elements of a text[] argument (NULL array: none; NULL elements skipped).
std::vector<std::string> text_array_argument(FunctionCallInfo fcinfo, int number);

// A bigint / double precision argument; NULL gives `fallback`.
long long int64_argument(FunctionCallInfo fcinfo, int number, long long fallback);
double float8_argument(FunctionCallInfo fcinfo, int number, double fallback);
// An integer argument; none when NULL or not declared by the function's
// definition (an older version's script, until the update).
std::optional<int> optional_int32_argument(FunctionCallInfo fcinfo, int number);

// A text result.
Datum text_result(const std::string &text);

// Sends `rows` (text values, converted by each column's input function) as the
// function's result set; columns beyond those the function declares are left
// out (a definition of an older version's script, until the update).
void return_rows(FunctionCallInfo fcinfo, const Rows &rows);

} // namespace ivory::pg
