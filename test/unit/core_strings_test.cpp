// The text helpers both binaries use: one human_bytes, one replace_all.
#include <gtest/gtest.h>

#include "../../src/core/strings.hpp"

using namespace ivory;

TEST(HumanBytes, InStepsOf1024LikePgSizePretty) {
    EXPECT_EQ(human_bytes(0), "0 bytes");
    EXPECT_EQ(human_bytes(512), "512 bytes");
    EXPECT_EQ(human_bytes(1023), "1023 bytes");
    EXPECT_EQ(human_bytes(1024), "1.0 kB");
    EXPECT_EQ(human_bytes(1536), "1.5 kB");
    EXPECT_EQ(human_bytes(1536 * 1024), "1.5 MB");
    EXPECT_EQ(human_bytes(120LL * 1024 * 1024), "120 MB");
    EXPECT_EQ(human_bytes(265LL * 1024 * 1024 + 1000), "265 MB");
    EXPECT_EQ(human_bytes(3LL * 1024 * 1024 * 1024 * 1024), "3.0 TB");
}

TEST(HumanBytes, NegativeValuesMirrorPositiveOnes) {
    EXPECT_EQ(human_bytes(-512), "-512 bytes");
    EXPECT_EQ(human_bytes(-1536), "-1.5 kB");
    EXPECT_EQ(human_bytes(-300LL * 1024 * 1024), "-300 MB");
}

TEST(ReplaceAll, ReplacesManyOccurrencesOfALongText) {
    std::string text;
    for (int i = 0; i < 200000; ++i)
        text += "ab";
    replace_all(text, "a", "xyz");
    EXPECT_EQ(text.size(), 200000u * 4);
    EXPECT_EQ(text.substr(0, 8), "xyzbxyzb");
    std::string unchanged = "nothing here";
    replace_all(unchanged, "zz", "y");
    EXPECT_EQ(unchanged, "nothing here");
}

TEST(ReplaceAll, NeverRereadsAReplacement) {
    std::string text = "a-a-a";
    replace_all(text, "a", "aa");
    EXPECT_EQ(text, "aa-aa-aa");
    replace_all(text, "", "x");
    EXPECT_EQ(text, "aa-aa-aa");
}

TEST(SumOfIntegers, AddsPastSixtyFourBits) {
    EXPECT_EQ(sum_of_integers({}), "0");
    EXPECT_EQ(sum_of_integers({"-12", "340", "0"}), "328");
    EXPECT_EQ(sum_of_integers({"-5", "-7"}), "-12");
    // Two sums of 64-bit hashes whose total no int64 holds.
    EXPECT_EQ(sum_of_integers({"9223372036854775807", "9223372036854775807"}),
              "18446744073709551614");
    EXPECT_EQ(sum_of_integers({"-92233720368547758080000", "1"}), "-92233720368547758079999");
}

TEST(SumOfIntegers, RefusesWhatIsNoInteger) {
    EXPECT_THROW(sum_of_integers({""}), std::invalid_argument);
    EXPECT_THROW(sum_of_integers({"-"}), std::invalid_argument);
    EXPECT_THROW(sum_of_integers({"1.5"}), std::invalid_argument);
    EXPECT_THROW(sum_of_integers({std::string(39, '9')}), std::invalid_argument);
}
