#include "bench/common/stream_content.h"

#include <string>

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

TEST(StreamContentTest, IsAPayloadContentOfExactlyTheTotal) {
  // 129..131 straddle the first varint gap (an events length of 128 needs a
  // 2-byte prefix, so 130 cannot be one field).
  for (const int64_t total : {3, 4, 100, 129, 130, 131, 16386, 16387, 16388, 100000}) {
    absl::StatusOr<v1::PayloadContent> content = MakeStreamContent(total, "0123456789");
    ASSERT_TRUE(content.ok()) << total << ": " << content.status();
    EXPECT_EQ(static_cast<int64_t>(content->ByteSizeLong()), total) << total;
    EXPECT_EQ(static_cast<int64_t>(content->SerializeAsString().size()), total) << total;
    EXPECT_EQ(content->events().substr(0, 3),
              std::string("012").substr(0, content->events().size()));
  }
}

TEST(StreamContentTest, EventsRepeatTheBlock) {
  const v1::PayloadContent content = *MakeStreamContent(1000, "abc");
  ASSERT_FALSE(content.events().empty());
  for (size_t i = 0; i < content.events().size(); ++i) {
    ASSERT_EQ(content.events()[i], "abc"[i % 3]) << i;
  }
}

TEST(StreamContentTest, RejectsImpossibleContent) {
  EXPECT_FALSE(MakeStreamContent(2, "x").ok());
  EXPECT_FALSE(MakeStreamContent(100, "").ok());
}

}  // namespace
}  // namespace ingest::bench
