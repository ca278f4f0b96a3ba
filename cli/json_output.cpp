#include "json_output.hpp"

#include <cstdlib>

#include <nlohmann/json.hpp>

namespace ivory::cli {

namespace {

// pg_type OIDs of the built-in types given JSON's own types.
constexpr Oid bool_type = 16;
constexpr Oid int8_type = 20;
constexpr Oid int2_type = 21;
constexpr Oid int4_type = 23;
constexpr Oid float4_type = 700;
constexpr Oid float8_type = 701;
constexpr Oid numeric_type = 1700;
constexpr Oid json_type = 114;
constexpr Oid jsonb_type = 3802;

nlohmann::ordered_json value_as_json(const PGresult *result, int row, int column) {
    if (PQgetisnull(result, row, column))
        return nullptr;
    const std::string text = PQgetvalue(result, row, column);
    switch (PQftype(result, column)) {
    case bool_type:
        return text == "t";
    case int2_type:
    case int4_type:
    case int8_type:
        return std::strtoll(text.c_str(), nullptr, 10);
    case float4_type:
    case float8_type:
    case numeric_type: {
        // NaN and infinities have no JSON number: they stay text.
        char *end = nullptr;
        const double number = std::strtod(text.c_str(), &end);
        if (end && *end == '\0' && text.find_first_of("nNiI") == std::string::npos)
            return number;
        return text;
    }
    case json_type:
    case jsonb_type: {
        // Nested as JSON, not as a string of it.
        nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text, nullptr, false);
        if (parsed.is_discarded())
            return text;
        return parsed;
    }
    default:
        return text;
    }
}

} // namespace

nlohmann::ordered_json result_rows(const PGresult *result) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    const int columns = PQnfields(result);
    for (int row = 0; row < PQntuples(result); ++row) {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (int column = 0; column < columns; ++column)
            object[PQfname(result, column)] = value_as_json(result, row, column);
        rows.push_back(std::move(object));
    }
    return rows;
}

std::string result_as_json(const PGresult *result) {
    // Invalid UTF-8 (a database in another encoding) is replaced, not fatal.
    return result_rows(result).dump(2, ' ', false,
                                    nlohmann::ordered_json::error_handler_t::replace);
}

void print_result_as_json(const PGresult *result, std::ostream &out) {
    out << result_as_json(result) << '\n';
    out.flush();
}

} // namespace ivory::cli
