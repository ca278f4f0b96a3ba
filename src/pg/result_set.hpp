// Returning rows from a set-returning function in materialize mode.
#pragma once

#include "../core/rows.hpp"
#include "postgres.hpp"

namespace ivory::pg {

// Text of a non-null argument.
std::string text_argument(FunctionCallInfo fcinfo, int number);

// Sends `rows` (text values, converted by each column's input function) as the
// function's result set.
void return_rows(FunctionCallInfo fcinfo, const Rows &rows);

} // namespace ivory::pg
