#include "bench/common/stream_content.h"

#include <string>

#include "gtest/gtest.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::bench {
namespace {

// The block the events of `seed` repeat.
std::string Block(uint64_t seed) {
  return loadgen::PayloadFactory(
             {.seed = seed, .min_bytes = kStreamBlockBytes, .max_bytes = kStreamBlockBytes})
      .Make(0, 1)
      .events();
}

TEST(StreamContentTest, IsAPayloadContentOfExactlyTheTotal) {
  // 129..131 straddle the first varint gap (an events length of 128 needs a
  // 2-byte prefix, so 130 cannot be one field).
  const std::string block = Block(7);
  for (const int64_t total : {3, 4, 100, 129, 130, 131, 16386, 16387, 16388, 100000}) {
    absl::StatusOr<v1::PayloadContent> content = MakeStreamContent(total, 7);
    ASSERT_TRUE(content.ok()) << total << ": " << content.status();
    EXPECT_EQ(static_cast<int64_t>(content->ByteSizeLong()), total) << total;
    EXPECT_EQ(static_cast<int64_t>(content->SerializeAsString().size()), total) << total;
    EXPECT_EQ(content->events(), block.substr(0, content->events().size())) << total;
  }
}

TEST(StreamContentTest, EventsRepeatTheSeedsBlock) {
  const std::string block = Block(8);
  const v1::PayloadContent content = *MakeStreamContent(int64_t{5} << 20, 8);
  ASSERT_GT(content.events().size(), 4 * block.size());
  for (size_t i = 0; i < content.events().size(); i += 997) {
    ASSERT_EQ(content.events()[i], block[i % block.size()]) << i;
  }
  EXPECT_NE(MakeStreamContent(1000, 9)->events(), MakeStreamContent(1000, 8)->events());
}

TEST(StreamContentTest, RejectsImpossibleContent) { EXPECT_FALSE(MakeStreamContent(2, 1).ok()); }

}  // namespace
}  // namespace ingest::bench
