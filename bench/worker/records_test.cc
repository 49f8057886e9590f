#include "bench/worker/records.h"

#include <set>
#include <utility>

#include "gtest/gtest.h"
#include "services/common/codec/task_codec.h"
#include "services/common/codec/zstd_bounds.h"

namespace ingest::bench_worker {
namespace {

TEST(RecordsTest, EveryRecordHasItsOwnSessionAndPayloadId) {
  std::set<std::pair<int, uint64_t>> seen;
  for (int64_t i = 0; i < 1000; ++i) {
    const RecordId id = RecordIdOf(i, 64);
    EXPECT_GE(id.session_index, 0);
    EXPECT_LT(id.session_index, 64);
    EXPECT_TRUE(seen.insert({id.session_index, id.payload_id}).second) << i;
  }
}

TEST(RecordsTest, PayloadIdsOfASessionIncreaseByOne) {
  EXPECT_EQ(RecordIdOf(5, 64).payload_id, 1u);
  EXPECT_EQ(RecordIdOf(5 + 64, 64).payload_id, 2u);
  EXPECT_EQ(RecordIdOf(5 + 128, 64).payload_id, 3u);
  EXPECT_EQ(RecordIdOf(5 + 128, 64).session_index, 5);
}

TEST(RecordsTest, SessionIdsAreDistinct) {
  EXPECT_NE(SessionIdOf("p", 1), SessionIdOf("p", 2));
  EXPECT_EQ(SessionIdOf("p", 1).rfind("p.", 0), 0u);
}

TEST(RecordsTest, TaskIsAValidWholePayload) {
  v1::PayloadContent content;
  content.set_events("[{\"type\":2}]");
  const absl::Time at = absl::FromUnixMillis(1700000000123);
  const v1::Task task = PushPayloadTask("p", SessionIdOf("p", 3), 7, content, at);
  absl::StatusOr<v1::Task> decoded = DecodeTask(EncodeTask(task));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->type(), v1::TASK_TYPE_PUSH_PAYLOAD);
  EXPECT_EQ(decoded->payload_id(), 7u);
  EXPECT_EQ(decoded->chunk_index(), 0u);
  EXPECT_EQ(decoded->chunk_count(), 1u);
  EXPECT_EQ(decoded->payload().content_encoding(), v1::CONTENT_ENCODING_IDENTITY);
  auto raw = ZstdDecompressBounded(decoded->payload().stored_data(),
                                   static_cast<int64_t>(decoded->payload().raw_size()));
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(*raw, content.SerializeAsString()) << "in the gateway's stored form";
  EXPECT_EQ(ReceivedAt(*decoded), at);
}

}  // namespace
}  // namespace ingest::bench_worker
