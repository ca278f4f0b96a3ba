#include <gtest/gtest.h>

#include "../../src/core/conninfo.hpp"

using namespace ivory;

TEST(MaskSecretValues, ShortSecretsAreMaskedOnlyWhereQuoted) {
    EXPECT_EQ(mask_secret_values(R"(abc in a word, "abc" and 'abc')", {"abc"}),
              R"(abc in a word, "********" and '********')");
}

TEST(MaskSecretValues, LongerSecretsAreMaskedFirst) {
    EXPECT_EQ(mask_secret_values("secret-plus and secret", {"secret", "secret-plus"}),
              "******** and ********");
}

TEST(MaskSecrets, ShortPasswordsOfAConnectionStringAreMaskedInEitherQuotes) {
    EXPECT_EQ(mask_secrets(R"(near "ab" and 'ab' but not ab)", "password=ab"),
              R"(near "********" and '********' but not ab)");
}

TEST(QuoteConninfoValue, BackslashesAndQuotesEscaped) {
    EXPECT_EQ(quote_conninfo_value("plain"), "'plain'");
    EXPECT_EQ(quote_conninfo_value(""), "''");
    EXPECT_EQ(quote_conninfo_value("it's"), R"('it\'s')");
    EXPECT_EQ(quote_conninfo_value(R"(back\slash)"), R"('back\\slash')");
}

TEST(MaskSecrets, MasksThePasswordKeywordValue) {
    const std::string conninfo = "host=h password=Sup3rSecret dbname=d";
    EXPECT_EQ(mask_secrets("failed with Sup3rSecret here", conninfo), "failed with ******** here");
}

TEST(MaskSecrets, MasksQuotedPasswordsAndEachOfTheirWords) {
    const std::string conninfo = "password='two words\\'q' host=h";
    const std::string masked =
        mask_secrets("missing \"=\" after \"words'q\" and two words'q", conninfo);
    EXPECT_EQ(masked.find("words"), std::string::npos) << masked;
}

TEST(MaskSecrets, MasksAnUnparsableStringsFragments) {
    // libpq quotes a fragment of the password in its parse error.
    const std::string conninfo = "host=h password=abc def=x this";
    EXPECT_EQ(mask_secrets("missing \"=\" after \"abc\"", conninfo),
              "missing \"=\" after \"********\"");
}

TEST(MaskSecrets, MasksAUriPassword) {
    const std::string conninfo = "postgresql://alice:s3cr3t-pw@db.example:5432/app";
    EXPECT_EQ(mask_secrets("cannot use s3cr3t-pw", conninfo), "cannot use ********");
    const std::string query_form = "postgresql://db/app?user=a&password=qu3ry-pw&sslmode=disable";
    EXPECT_EQ(mask_secrets("x qu3ry-pw y", query_form), "x ******** y");
}

TEST(MaskSecrets, LeavesTextAloneWithoutPassword) {
    EXPECT_EQ(mask_secrets("connection refused", "host=h port=1"), "connection refused");
}

TEST(MaskSecrets, ShortPasswordsOnlyInsideQuotes) {
    const std::string conninfo = "password=ab host=h";
    EXPECT_EQ(mask_secrets("about \"ab\"", conninfo), "about \"********\"");
}

TEST(RedactConninfo, ShowsKeysWithThePasswordMasked) {
    EXPECT_EQ(redact_conninfo("host=h port=5 password=pw dbname=d"),
              "password=******** dbname=d host=h port=5");
    EXPECT_EQ(redact_conninfo("not valid at all"), "(invalid connection string)");
}

TEST(ConninfoHasPassword, FindsKeywordAndUriPasswords) {
    EXPECT_TRUE(conninfo_has_password("host=h password=x"));
    EXPECT_TRUE(conninfo_has_password("postgresql://u:p@h/d"));
    EXPECT_FALSE(conninfo_has_password("host=h user=u"));
    EXPECT_FALSE(conninfo_has_password("host=h password="));
    EXPECT_FALSE(conninfo_has_password("garbage"));
}

TEST(ConninfoValue, ReadsKeywordsAndUris) {
    EXPECT_EQ(conninfo_value("host=h password='a b'", "password"), "a b");
    EXPECT_EQ(conninfo_value("postgresql://u:p%40w@h/d", "password"), "p@w");
    EXPECT_EQ(conninfo_value("host=h", "password"), std::nullopt);
    EXPECT_EQ(conninfo_value("garbage", "host"), std::nullopt);
}

TEST(ConninfoWithout, DropsTheKeywordAndQuotesTheRest) {
    const std::string without =
        conninfo_without("host=h dbname='my db' password=secret", "password");
    EXPECT_EQ(without, "dbname='my db' host='h'");
    EXPECT_EQ(conninfo_without("postgresql://u:pw@h:5/d", "password"),
              "user='u' dbname='d' host='h' port='5'");
    EXPECT_EQ(conninfo_without("dbname='it\\'s'", "password"), "dbname='it\\'s'");
}

TEST(LooksLikeConninfo, TellsConnectionStringsFromServerNames) {
    EXPECT_TRUE(looks_like_conninfo("host=h dbname=d"));
    EXPECT_TRUE(looks_like_conninfo("postgresql://h/d"));
    EXPECT_FALSE(looks_like_conninfo("old_primary"));
    EXPECT_FALSE(looks_like_conninfo("Mixed Server"));
}

TEST(ForeignOptions, EachInItsPlace) {
    EXPECT_EQ(foreign_option_problem("host", OptionPlace::server), "");
    EXPECT_EQ(foreign_option_problem("dbname", OptionPlace::server), "");
    EXPECT_EQ(foreign_option_problem("user", OptionPlace::user_mapping), "");
    EXPECT_EQ(foreign_option_problem("password", OptionPlace::user_mapping), "");
    EXPECT_NE(foreign_option_problem("password", OptionPlace::server).find("user mapping"),
              std::string::npos);
    EXPECT_NE(foreign_option_problem("port", OptionPlace::user_mapping).find("server"),
              std::string::npos);
    EXPECT_NE(foreign_option_problem("colour", OptionPlace::server).find("invalid option"),
              std::string::npos);
    EXPECT_NE(foreign_option_problem("client_encoding", OptionPlace::server).find("ivory"),
              std::string::npos);
}

TEST(ConninfoFromPairs, QuotesEveryValue) {
    const std::string conninfo = conninfo_from_pairs({{"host", "h"}, {"password", "it's \\ x"}});
    EXPECT_EQ(conninfo, "host='h' password='it\\'s \\\\ x'");
    EXPECT_EQ(conninfo_value(conninfo, "password"), "it's \\ x");
}
