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

TEST(QuoteIdentifier, EveryKeywordTheServerQuotes) {
    // Reserved, column-name and type/function-name keywords of the server's
    // own list, beyond any short list of common words.
    for (const char *keyword : {"offset", "left", "window", "fetch", "lateral", "between",
                                "overlaps", "verbose", "xmltable", "authorization"})
        EXPECT_EQ(quote_identifier(keyword), std::string("\"") + keyword + "\"") << keyword;
    // Unreserved keywords and replication-protocol words are plain names to SQL.
    EXPECT_EQ(quote_identifier("wait"), "wait");
    EXPECT_EQ(quote_identifier("slot"), "slot");
    EXPECT_EQ(quote_identifier("abort"), "abort");
}

TEST(QuoteLiteral, DoublesSingleQuotes) {
    EXPECT_EQ(quote_literal("it's"), "'it''s'");
    EXPECT_EQ(quote_literal(""), "''");
}

TEST(QuoteLiteral, BackslashesMakeAnEscapeStringWhateverStandardConformingStrings) {
    EXPECT_EQ(quote_literal(R"(back\slash)"), R"(E'back\\slash')");
    EXPECT_EQ(quote_literal(R"(it's \')"), R"(E'it''s \\''')");
}
