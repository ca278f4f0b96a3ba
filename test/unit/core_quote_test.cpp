#include <gtest/gtest.h>

#include "../../src/core/quote.hpp"

using ivory::quote_identifier;
using ivory::quote_literal;

TEST(QuoteIdentifier, LeavesPlainLowerCaseNamesAlone) {
    EXPECT_EQ(quote_identifier("orders"), "orders");
    EXPECT_EQ(quote_identifier("_x1"), "_x1");
}

TEST(QuoteIdentifier, QuotesCapitalsSpacesUnicodeAndReservedWords) {
    EXPECT_EQ(quote_identifier("Orders"), "\"Orders\"");
    EXPECT_EQ(quote_identifier("my table"), "\"my table\"");
    EXPECT_EQ(quote_identifier("straße"), "\"straße\"");
    EXPECT_EQ(quote_identifier("select"), "\"select\"");
    EXPECT_EQ(quote_identifier("1abc"), "\"1abc\"");
    EXPECT_EQ(quote_identifier(""), "\"\"");
}

TEST(QuoteIdentifier, DoublesEmbeddedDoubleQuotes) {
    EXPECT_EQ(quote_identifier("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(QuoteLiteral, DoublesSingleQuotes) {
    EXPECT_EQ(quote_literal("it's"), "'it''s'");
    EXPECT_EQ(quote_literal(""), "''");
    EXPECT_EQ(quote_literal("back\\slash"), "'back\\slash'");
}
