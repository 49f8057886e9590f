#include "services/common/kafka/first_position.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

constexpr FirstPosition kHere{2, 900};

TEST(FirstPositionTest, ARecordWithoutHeadersIsWhereItIs) {
  EXPECT_EQ(FirstPositionOf({}, kHere), kHere);
  EXPECT_EQ(FirstPositionOf({{"replay.id", "rp-1"}}, kHere), kHere);
}

TEST(FirstPositionTest, ReadsWhatAppendWrote) {
  RecordHeaders headers = {{"redrive.id", "rd-1"}};
  AppendFirstPosition({2, 17}, headers);
  EXPECT_EQ(FirstPositionOf(headers, kHere), (FirstPosition{2, 17}));
  EXPECT_EQ(headers.front().first, "redrive.id");  // appended, not replaced
}

TEST(FirstPositionTest, HalfAPositionOrGarbageIsIgnored) {
  EXPECT_EQ(FirstPositionOf({{first_position_headers::kOffset, "17"}}, kHere), kHere);
  EXPECT_EQ(FirstPositionOf({{first_position_headers::kPartition, "2"}}, kHere), kHere);
  EXPECT_EQ(FirstPositionOf({{first_position_headers::kPartition, "2"},
                             {first_position_headers::kOffset, "17x"}},
                            kHere),
            kHere);
  EXPECT_EQ(FirstPositionOf({{first_position_headers::kPartition, "-1"},
                             {first_position_headers::kOffset, "17"}},
                            kHere),
            kHere);
}

TEST(FirstPositionTest, TheLastValueOfARepeatedHeaderWins) {
  RecordHeaders headers;
  AppendFirstPosition({1, 5}, headers);
  AppendFirstPosition({1, 6}, headers);
  EXPECT_EQ(FirstPositionOf(headers, kHere), (FirstPosition{1, 6}));
}

}  // namespace
}  // namespace ingest
