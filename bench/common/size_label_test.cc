#include "bench/common/size_label.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseSizeTest, UnitsAreBinary) {
  EXPECT_EQ(*ParseSize("10KB"), 10 * 1024);
  EXPECT_EQ(*ParseSize("100KB"), 100 * 1024);
  EXPECT_EQ(*ParseSize("1MB"), 1024 * 1024);
  EXPECT_EQ(*ParseSize("256MB"), int64_t{256} << 20);
  EXPECT_EQ(*ParseSize("512B"), 512);
}

TEST(ParseSizeTest, IgnoresCaseAndSurroundingSpace) {
  EXPECT_EQ(*ParseSize(" 10kb "), 10 * 1024);
  EXPECT_EQ(*ParseSize("1Mb"), 1024 * 1024);
}

TEST(ParseSizeTest, RejectsWhatIsNotASize) {
  EXPECT_THAT(std::string(ParseSize("100").status().message()), HasSubstr("needs a unit"));
  EXPECT_FALSE(ParseSize("KB").ok());
  EXPECT_FALSE(ParseSize("0KB").ok());
  EXPECT_FALSE(ParseSize("-1KB").ok());
  EXPECT_FALSE(ParseSize("+1KB").ok());
  EXPECT_FALSE(ParseSize("1.5MB").ok());
  EXPECT_FALSE(ParseSize("10GB").ok());
  EXPECT_FALSE(ParseSize("99999999999999999MB").ok());
}

TEST(ParseSizeListTest, SplitsOnCommas) {
  EXPECT_THAT(*ParseSizeList("10KB,100KB, 1MB"), ElementsAre(10240, 102400, 1048576));
}

TEST(ParseSizeListTest, RejectsEmptyListsAndBadEntries) {
  EXPECT_FALSE(ParseSizeList("").ok());
  EXPECT_FALSE(ParseSizeList(" , ").ok());
  EXPECT_FALSE(ParseSizeList("10KB,ten").ok());
}

TEST(SizeLabelTest, UsesTheLargestExactUnit) {
  EXPECT_EQ(SizeLabel(10 * 1024), "10KB");
  EXPECT_EQ(SizeLabel(100 * 1024), "100KB");
  EXPECT_EQ(SizeLabel(1024 * 1024), "1MB");
  EXPECT_EQ(SizeLabel(int64_t{256} << 20), "256MB");
  EXPECT_EQ(SizeLabel(1536 * 1024), "1536KB");
  EXPECT_EQ(SizeLabel(1500), "1500B");
}

TEST(SizeLabelTest, ListsRoundTripThroughParseSizeList) {
  const std::vector<int64_t> sizes = {10 * 1024, 1024 * 1024, 1500};
  EXPECT_EQ(SizeListLabel(sizes), "10KB,1MB,1500B");
  EXPECT_EQ(*ParseSizeList(SizeListLabel(sizes)), sizes);
}

TEST(ParseSizeOrZeroTest, TakesZeroOrASize) {
  EXPECT_EQ(*ParseSizeOrZero("0"), 0);
  EXPECT_EQ(*ParseSizeOrZero("4MB"), int64_t{4} << 20);
  EXPECT_FALSE(ParseSizeOrZero("0MB").ok());
  EXPECT_FALSE(ParseSize("0").ok());
}

TEST(SizeLabelTest, RoundTripsThroughParseSize) {
  for (const int64_t bytes : {1, 1000, 1024, 10240, 1048576, 3 * 1048576 + 1024}) {
    EXPECT_EQ(*ParseSize(SizeLabel(bytes)), bytes) << SizeLabel(bytes);
  }
}

}  // namespace
}  // namespace ingest::bench
