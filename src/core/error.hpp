// Errors raised by ivory's own C++ code. Plain C++: no server headers, so the
// pure parts (checks, diff, conninfo handling) can throw them under GoogleTest.
// The fmgr edge turns them into ereport(ERROR) with the same fields.
#pragma once

#include <stdexcept>
#include <string>

namespace ivory {

struct ErrorFields {
    std::string sqlstate = "XX000"; // five characters, as in PG_DIAG_SQLSTATE
    std::string message;
    std::string detail;
    std::string hint;
    std::string context;
};

class Error : public std::runtime_error {
  public:
    explicit Error(ErrorFields fields)
        : std::runtime_error(fields.message), fields_(std::move(fields)) {}
    Error(std::string sqlstate, std::string message, std::string detail = {}, std::string hint = {})
        : Error(ErrorFields{
              std::move(sqlstate), std::move(message), std::move(detail), std::move(hint), {}}) {}

    const ErrorFields &fields() const { return fields_; }

  private:
    ErrorFields fields_;
};

// SQLSTATEs ivory raises itself (the values of PostgreSQL's errcodes.h).
namespace sqlstate {
inline constexpr const char *unable_to_connect = "08001";
inline constexpr const char *connection_failure = "08006";
inline constexpr const char *password_required = "2F003";
inline constexpr const char *invalid_parameter = "22023";
inline constexpr const char *insufficient_privilege = "42501";
inline constexpr const char *query_canceled = "57014";
inline constexpr const char *undefined_function = "42883";
inline constexpr const char *internal = "XX000";
} // namespace sqlstate

// A count argument (jobs, ...) outside low..high is refused with its name.
inline void require_between(const char *name, long long value, long long low, long long high) {
    if (value < low || value > high)
        throw Error(sqlstate::invalid_parameter,
                    std::string(name) + " must be between " + std::to_string(low) + " and " +
                        std::to_string(high) + ", not " + std::to_string(value));
}

} // namespace ivory
