#include <gtest/gtest.h>

#include "../../src/core/schema_diff.hpp"

using namespace ivory;

namespace {

SchemaFact exists(std::string type, std::string name, std::string parent = "") {
    return {std::move(type), std::move(name), std::move(parent), "", std::nullopt};
}

SchemaFact attribute(std::string type, std::string name, std::string attribute,
                     std::optional<std::string> value) {
    return {std::move(type), std::move(name), "", std::move(attribute), std::move(value)};
}

std::vector<std::string> described(const std::vector<SchemaDifference> &differences) {
    std::vector<std::string> lines;
    for (const auto &difference : differences)
        lines.push_back(difference.describe());
    return lines;
}

const std::vector<SchemaFact> orders = {
    exists("schema", "public"),
    exists("table", "public.orders", "schema public"),
    exists("column", "public.orders.total", "table public.orders"),
    attribute("column", "public.orders.total", "type", "numeric(12,2)"),
    exists("index", "public.orders_idx", "table public.orders"),
    attribute("index", "public.orders_idx", "definition", "CREATE INDEX ..."),
};

} // namespace

TEST(SchemaDiff, EqualSchemasHaveNoDifferences) {
    EXPECT_TRUE(diff_schemas(orders, orders).empty());
}

TEST(SchemaDiff, NamesEachDifferingAttribute) {
    std::vector<SchemaFact> target = orders;
    target[3].value = "numeric";
    EXPECT_EQ(described(diff_schemas(orders, target)),
              std::vector<std::string>{
                  "column public.orders.total: numeric(12,2) on source, numeric on target"});
}

TEST(SchemaDiff, MissingObjectsOnEitherSide) {
    std::vector<SchemaFact> target(orders.begin(), orders.begin() + 4);
    target.push_back(exists("view", "public.v", "schema public"));
    const auto differences = diff_schemas(orders, target);
    EXPECT_EQ(described(differences),
              (std::vector<std::string>{"index public.orders_idx missing on target",
                                        "view public.v missing on source"}));
    EXPECT_TRUE(differences[0].missing_on_target());
    EXPECT_TRUE(differences[1].missing_on_source());
}

TEST(SchemaDiff, AMissingTableIsOneDifferenceNotOnePerColumn) {
    const std::vector<SchemaFact> target = {exists("schema", "public")};
    EXPECT_EQ(described(diff_schemas(orders, target)),
              std::vector<std::string>{"table public.orders missing on target"});
}

TEST(SchemaDiff, AttributePresentOnOneSideOnly) {
    std::vector<SchemaFact> source = orders;
    source.push_back(attribute("column", "public.orders.total", "default", "0"));
    EXPECT_EQ(described(diff_schemas(source, orders)),
              std::vector<std::string>{
                  "column public.orders.total: default 0 on source, none on target"});
}

TEST(SchemaDiff, DefinitionsAreSummarised) {
    std::vector<SchemaFact> target = orders;
    target[5].value = "CREATE UNIQUE INDEX ...";
    const auto differences = diff_schemas(orders, target);
    ASSERT_EQ(differences.size(), 1u);
    EXPECT_EQ(differences[0].describe(), "index public.orders_idx: definition differs");
    EXPECT_EQ(differences[0].source_value, "CREATE INDEX ...");
    EXPECT_EQ(differences[0].target_value, "CREATE UNIQUE INDEX ...");
}

TEST(SchemaDiff, QuotedUnicodeNamesAreKeptAsGiven) {
    const std::vector<SchemaFact> source = {
        exists("schema", "\"Sales \"\"EU\"\"\""),
        exists("table", "\"Sales \"\"EU\"\"\".\"Kunden Ä\"", "schema \"Sales \"\"EU\"\"\"")};
    const std::vector<SchemaFact> target = {source[0]};
    EXPECT_EQ(
        described(diff_schemas(source, target)),
        std::vector<std::string>{"table \"Sales \"\"EU\"\"\".\"Kunden Ä\" missing on target"});
}

TEST(SchemaDiff, FactsFromRowsReadsFiveColumns) {
    Rows rows = {{Value("table"), Value("public.t"), Value("schema public"), Value(""), Value()},
                 {Value("short")}};
    const auto facts = facts_from_rows(std::move(rows));
    ASSERT_EQ(facts.size(), 1u);
    EXPECT_EQ(facts[0].parent, "schema public");
    EXPECT_FALSE(facts[0].value.has_value());
}
