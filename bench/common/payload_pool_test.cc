#include "bench/common/payload_pool.h"

#include <set>

#include "gtest/gtest.h"
#include "services/common/codec/task_codec.h"
#include "services/common/facts/payload_facts_extractor.h"

namespace ingest::bench {
namespace {

PayloadPoolOptions Small(int64_t message_bytes) {
  return {.message_bytes = message_bytes,
          .pool_bytes = 64 * 1024,
          .min_messages = 4,
          .raw_keys = 3,
          .project_id = "p1"};
}

TEST(PoolMessageCountTest, FillsThePoolBytesWithAFloor) {
  EXPECT_EQ(PoolMessageCount(Small(10 * 1024)), 6);
  EXPECT_EQ(PoolMessageCount(Small(1 << 20)), 4);
  EXPECT_EQ(PoolMessageCount({.message_bytes = 100 * 1024}), 327);  // 32 MB default
}

TEST(PayloadPoolTest, ContentsHaveExactlyTheSizeAndDiffer) {
  const PayloadPool pool = PayloadPool::Build(Small(10 * 1024));
  ASSERT_EQ(pool.size(), 6u);
  std::set<std::string> distinct;
  for (size_t i = 0; i < pool.size(); ++i) {
    EXPECT_EQ(pool.content(i).ByteSizeLong(), 10u * 1024) << i;
    distinct.insert(pool.content(i).events());
  }
  EXPECT_EQ(distinct.size(), pool.size());
}

TEST(PayloadPoolTest, RawValuesAreValidPayloadTasksKeyedBySession) {
  const PayloadPool pool = PayloadPool::Build(Small(10 * 1024));
  std::set<std::string> keys;
  for (size_t i = 0; i < pool.size(); ++i) {
    absl::StatusOr<v1::Task> task = DecodeTask(pool.raw_value(i));
    ASSERT_TRUE(task.ok()) << task.status();
    EXPECT_EQ(task->type(), v1::TASK_TYPE_PUSH_PAYLOAD);
    EXPECT_EQ(task->project_id(), "p1");
    EXPECT_EQ(task->session_id(), pool.raw_key(i));
    EXPECT_EQ(task->chunk_count(), 1u);
    EXPECT_EQ(task->payload().content().SerializeAsString(), pool.content(i).SerializeAsString());
    EXPECT_EQ(task->payload().facts().SerializeAsString(),
              ExtractPayloadFacts(pool.content(i)).SerializeAsString());
    keys.insert(pool.raw_key(i));
  }
  EXPECT_EQ(keys.size(), 3u);  // raw_keys
}

// The gateway side is measured reading facts from these bodies: content it
// cannot read would stop early and under-measure (facts_s_per_gib).
TEST(PayloadPoolTest, TheGatewayCanReadTheFactsOfEveryBody) {
  const PayloadPool pool = PayloadPool::Build(Small(10 * 1024));
  for (size_t i = 0; i < pool.size(); ++i) {
    const v1::PayloadFacts facts = ExtractPayloadFacts(pool.content(i));
    EXPECT_TRUE(facts.parsed()) << i << ": " << facts.unparsed_reason();
    EXPECT_GT(facts.event_count(), 0u) << i;
  }
}

TEST(PayloadPoolTest, IndexesWrapAround) {
  const PayloadPool pool = PayloadPool::Build(Small(10 * 1024));
  EXPECT_EQ(&pool.content(pool.size() + 1), &pool.content(1));
  EXPECT_EQ(&pool.raw_value(2 * pool.size()), &pool.raw_value(0));
}

}  // namespace
}  // namespace ingest::bench
