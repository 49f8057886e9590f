#include "tools/chaos/loss_cause.h"

#include <vector>

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

using loadgen::LedgerEntry;
using loadgen::PayloadKey;

TEST(TopicPayloadsTest, AChunkedPayloadIsCompleteOnlyWithEveryChunk) {
  TopicPayloads topic;
  topic.Add({"s", 1}, 0, 1);
  topic.Add({"s", 2}, 0, 3);
  topic.Add({"s", 2}, 2, 3);
  EXPECT_TRUE(topic.Complete({"s", 1}));
  EXPECT_FALSE(topic.Complete({"s", 2}));
  EXPECT_TRUE(topic.Seen({"s", 2}));
  topic.Add({"s", 2}, 1, 3);
  EXPECT_TRUE(topic.Complete({"s", 2}));
  EXPECT_FALSE(topic.Seen({"s", 3}));
  EXPECT_FALSE(topic.Complete({"s", 3}));
}

TEST(ClassifyLossTest, InTheTopicIsStalledNotThereIsAbsentFromKafka) {
  TopicPayloads topic;
  topic.Add({"s", 1}, 0, 1);  // stalled
  topic.Add({"s", 3}, 0, 2);  // half of it: lost in Kafka
  const std::vector<PayloadKey> missing = {{"s", 1}, {"s", 2}, {"s", 3}};
  const LossCauses causes = ClassifyLoss(missing, topic);
  EXPECT_EQ(causes.stalled, 1);
  EXPECT_EQ(causes.absent_from_kafka, 2);
  ASSERT_EQ(causes.examples.size(), 3u);
  EXPECT_EQ(causes.examples[0], "stalled: session s payload 1 is in Kafka but has no row");
  EXPECT_EQ(causes.examples[1], "absent from Kafka: session s payload 2 is not in the topic");
  EXPECT_EQ(causes.examples[2],
            "absent from Kafka: session s payload 3 (only some of its chunks are in the topic)");
}

TEST(ClassifyLossTest, NothingMissingIsNoCause) {
  const LossCauses causes = ClassifyLoss({}, TopicPayloads());
  EXPECT_EQ(causes.stalled, 0);
  EXPECT_EQ(causes.absent_from_kafka, 0);
  EXPECT_TRUE(causes.examples.empty());
}

TEST(ClassifyLossTest, ExamplesAreCappedButEveryPayloadIsCounted) {
  std::vector<PayloadKey> missing;
  for (uint64_t id = 1; id <= 25; ++id) missing.push_back({"s", id});
  const LossCauses causes = ClassifyLoss(missing, TopicPayloads());
  EXPECT_EQ(causes.absent_from_kafka, 25);
  EXPECT_EQ(causes.examples.size(), LossCauses::kMaxExamples);
}

}  // namespace
}  // namespace ingest::chaos
