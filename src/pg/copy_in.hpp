// COPY FROM into a local table with the rows coming from C++ (the source's
// COPY TO STDOUT), through the server's own COPY code: the same parsing,
// constraints, partition routing and progress reporting (pg_stat_progress_copy).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ivory::pg {

// Appends the next rows (in the COPY's format) to `data`. With `wait` false it
// may return false without data when none is at hand yet; with `wait` true,
// false means the data ended. May throw (an interrupt, a failed source).
using CopyRowReader = std::function<bool(std::string &data, bool wait)>;

// COPY <table> (<columns>) FROM the reader, in the database's encoding, in
// COPY's binary format or its text format; returns the rows copied. An
// exception from the reader ends the COPY and is rethrown, so the caller's
// transaction aborts with it.
uint64_t copy_into_table(const std::string &table_oid, const std::vector<std::string> &columns,
                         bool binary, const CopyRowReader &reader);

} // namespace ivory::pg
