#include "bench/retention/data_size.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_retention {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DataSizeTest, ParsesBinaryUnitsInEitherSpelling) {
  EXPECT_EQ(*ParseDataSize("4096B"), 4096);
  EXPECT_EQ(*ParseDataSize("100KB"), 100 * kKiB);
  EXPECT_EQ(*ParseDataSize("100kib"), 100 * kKiB);
  EXPECT_EQ(*ParseDataSize("100MB"), 100 * kMiB);
  EXPECT_EQ(*ParseDataSize("100MiB"), 100 * kMiB);
  EXPECT_EQ(*ParseDataSize("1GB"), kGiB);
  EXPECT_EQ(*ParseDataSize(" 10GiB "), 10 * kGiB);
  EXPECT_EQ(*ParseDataSize("1024GB"), 1024 * kGiB);
}

TEST(DataSizeTest, RefusesWhatIsNotASizeAndSaysWhatToWrite) {
  for (const char* text :
       {"", "GB", "1.5GB", "0GB", "-1GB", "10", "10TB", "1025GB", "99999999999999999999GB"}) {
    absl::StatusOr<int64_t> size = ParseDataSize(text);
    ASSERT_FALSE(size.ok()) << text;
    EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(size.status().message(), HasSubstr("e.g. 100MB, 1GB")) << text;
  }
}

TEST(DataSizeTest, ParsesAListAndRefusesAnEmptyItem) {
  EXPECT_THAT(*ParseDataSizeList("1GB,10GB"), ElementsAre(kGiB, 10 * kGiB));
  EXPECT_FALSE(ParseDataSizeList("1GB,").ok());
  EXPECT_FALSE(ParseDataSizeList("").ok());
}

TEST(DataSizeTest, LabelsWithTheLargestUnitThatDividesAndRoundTrips) {
  EXPECT_EQ(DataSizeLabel(10 * kGiB), "10GB");
  EXPECT_EQ(DataSizeLabel(100 * kMiB), "100MB");
  EXPECT_EQ(DataSizeLabel(1536 * kMiB), "1536MB");
  EXPECT_EQ(DataSizeLabel(100 * kKiB), "100KB");
  EXPECT_EQ(DataSizeLabel(1500), "1500B");
  for (int64_t bytes : {int64_t{1500}, 100 * kKiB, 1536 * kMiB, 10 * kGiB}) {
    EXPECT_EQ(*ParseDataSize(DataSizeLabel(bytes)), bytes);
  }
  EXPECT_EQ(DataSizeListLabel({100 * kMiB, kGiB}), "100MB,1GB");
  EXPECT_THAT(*ParseDataSizeList(DataSizeListLabel({100 * kMiB, kGiB})),
              ElementsAre(100 * kMiB, kGiB));
}

}  // namespace
}  // namespace ingest::bench_retention
