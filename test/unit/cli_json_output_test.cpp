// --json: a result's rows as JSON objects, typed by the columns' types. The
// results are built with libpq's own constructors, as a server would send them.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "../../cli/json_output.hpp"

using namespace ivory::cli;

namespace {

struct ResultDeleter {
    void operator()(PGresult *result) const { PQclear(result); }
};
using OwnedResult = std::unique_ptr<PGresult, ResultDeleter>;

struct Column {
    const char *name;
    Oid type;
};

// A result with these columns; a null cell is NULL.
OwnedResult make_result(const std::vector<Column> &columns,
                        const std::vector<std::vector<const char *>> &rows) {
    OwnedResult result(PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK));
    std::vector<PGresAttDesc> descriptions;
    for (const Column &column : columns) {
        PGresAttDesc description{};
        description.name = const_cast<char *>(column.name);
        description.typid = column.type;
        description.typlen = -1;
        description.atttypmod = -1;
        descriptions.push_back(description);
    }
    EXPECT_TRUE(
        PQsetResultAttrs(result.get(), static_cast<int>(descriptions.size()), descriptions.data()));
    for (size_t row = 0; row < rows.size(); ++row)
        for (size_t column = 0; column < rows[row].size(); ++column) {
            const char *value = rows[row][column];
            EXPECT_TRUE(PQsetvalue(result.get(), static_cast<int>(row), static_cast<int>(column),
                                   const_cast<char *>(value),
                                   value ? static_cast<int>(std::string(value).size()) : -1));
        }
    return result;
}

constexpr Oid text_type = 25;

TEST(CliJsonOutput, NoRowsIsAnEmptyArray) {
    const OwnedResult result = make_result({{"item", text_type}}, {});
    EXPECT_EQ(result_as_json(result.get()), "[]");
}

TEST(CliJsonOutput, ColumnsInOrderTypedByTheirTypes) {
    const OwnedResult result = make_result(
        {{"item", text_type}, {"ok", 16}, {"bytes", 20}, {"percent", 1700}, {"seconds", 701}},
        {{"table", "t", "123456789012", "12.5", "0.25"}, {"lag", "f", nullptr, nullptr, "3"}});
    EXPECT_EQ(result_as_json(result.get()), R"([
  {
    "item": "table",
    "ok": true,
    "bytes": 123456789012,
    "percent": 12.5,
    "seconds": 0.25
  },
  {
    "item": "lag",
    "ok": false,
    "bytes": null,
    "percent": null,
    "seconds": 3.0
  }
])");
}

TEST(CliJsonOutput, TextIsEscapedAndNonNumbersStayText) {
    const OwnedResult result =
        make_result({{"name", text_type}, {"value", 1700}, {"other", 701}},
                    {{"public.\"Odd \"\"Name\"\"\"\t\\ ä", "NaN", "Infinity"}});
    EXPECT_EQ(result_as_json(result.get()), R"([
  {
    "name": "public.\"Odd \"\"Name\"\"\"\t\\ ä",
    "value": "NaN",
    "other": "Infinity"
  }
])");
}

TEST(CliJsonOutput, InvalidUtf8IsReplacedNotFatal) {
    const OwnedResult result = make_result({{"name", text_type}}, {{"bad \xff byte"}});
    EXPECT_EQ(result_as_json(result.get()),
              "[\n  {\n    \"name\": \"bad \xEF\xBF\xBD byte\"\n  }\n]");
}

} // namespace

TEST(CliJsonOutput, JsonAndJsonbAreNested) {
    const OwnedResult result = make_result(
        {{"step", text_type}, {"evidence", 3802}, {"raw", 114}},
        {{"a", R"({"lsn": "0/1", "tables": [1, 2]})", "[true]"}, {"b", nullptr, "not json"}});
    const nlohmann::ordered_json rows = result_rows(result.get());
    EXPECT_EQ(rows[0]["evidence"]["lsn"], "0/1");
    EXPECT_EQ(rows[0]["evidence"]["tables"][1], 2);
    EXPECT_EQ(rows[0]["raw"][0], true);
    EXPECT_TRUE(rows[1]["evidence"].is_null());
    // What does not parse stays text.
    EXPECT_EQ(rows[1]["raw"], "not json");
}
