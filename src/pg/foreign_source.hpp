// The `source` argument of every ivory function: a libpq connection string,
// or the name of a foreign server of ivory's foreign-data wrapper, whose
// options and the caller's user mapping give the connection string (so that
// credentials stay out of query text).
#pragma once

#include <string>
#include <vector>

#include "postgres.hpp"

namespace ivory::pg {

std::string resolve_source(const std::string &source);

// The ivory_fdw validator: rejects options that are not libpq's, or that are
// in the wrong place (secrets on the server, host on the user mapping).
void validate_foreign_options(Datum options, Oid catalog);

} // namespace ivory::pg
