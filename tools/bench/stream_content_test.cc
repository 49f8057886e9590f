#include "tools/bench/stream_content.h"

#include <string>

#include "gtest/gtest.h"
#include "ingest/v1/ingest.pb.h"
#include "services/common/crypto/sha256.h"

namespace ingest::bench {
namespace {

std::string Whole(const StreamContent& content) {
  std::string out;
  content.Append(0, content.total_bytes(), &out);
  return out;
}

TEST(StreamContentTest, IsAPayloadContentOfExactlyTheTotal) {
  // 129..131 straddle the first varint gap (an events length of 128 needs a
  // 2-byte prefix, so 130 cannot be one field).
  for (const int64_t total : {3, 4, 100, 129, 130, 131, 16386, 16387, 16388, 100000}) {
    absl::StatusOr<StreamContent> content = StreamContent::Create(total, "0123456789");
    ASSERT_TRUE(content.ok()) << total << ": " << content.status();
    const std::string bytes = Whole(*content);
    ASSERT_EQ(static_cast<int64_t>(bytes.size()), total);
    v1::PayloadContent parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes)) << total;
    EXPECT_EQ(static_cast<int64_t>(parsed.ByteSizeLong()), total) << total;
    EXPECT_EQ(parsed.events().substr(0, 3), std::string("012").substr(0, parsed.events().size()));
  }
}

TEST(StreamContentTest, EventsRepeatTheBlock) {
  const StreamContent content = *StreamContent::Create(1000, "abc");
  v1::PayloadContent parsed;
  ASSERT_TRUE(parsed.ParseFromString(Whole(content)));
  for (size_t i = 0; i < parsed.events().size(); ++i) {
    ASSERT_EQ(parsed.events()[i], "abc"[i % 3]) << i;
  }
}

TEST(StreamContentTest, RangesConcatenateToTheWhole) {
  const StreamContent content = *StreamContent::Create(10007, "block of events;");
  const std::string whole = Whole(content);
  std::string pieces;
  for (int64_t offset = 0; offset < content.total_bytes(); offset += 333) {
    content.Append(offset, std::min<int64_t>(333, content.total_bytes() - offset), &pieces);
  }
  EXPECT_EQ(pieces, whole);
}

TEST(StreamContentTest, Sha256IsOfTheWholeContent) {
  const StreamContent content = *StreamContent::Create(9 << 20, "some realistic bytes");
  EXPECT_EQ(content.Sha256(), ingest::Sha256(Whole(content)));
}

TEST(StreamContentTest, RejectsImpossibleContent) {
  EXPECT_FALSE(StreamContent::Create(2, "x").ok());
  EXPECT_FALSE(StreamContent::Create(100, "").ok());
}

}  // namespace
}  // namespace ingest::bench
