#include "tools/chaos/kafka_topic_payloads.h"

#include <atomic>
#include <string>

#include "gtest/gtest.h"
#include "ingest/v1/task.pb.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/kafka/testing/mock_cluster.h"

namespace ingest::chaos {
namespace {

constexpr char kTopic[] = "ingest.tasks";

v1::Task Payload(const std::string& session, uint64_t payload_id, uint32_t chunk, uint32_t chunks) {
  v1::Task task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(v1::TASK_TYPE_PUSH_PAYLOAD);
  task.set_project_id("p");
  task.set_session_id(session);
  task.set_payload_id(payload_id);
  task.set_chunk_index(chunk);
  task.set_chunk_count(chunks);
  if (chunks == 1) {
    task.mutable_payload()->mutable_content()->set_events("e");
  } else {  // a streamed payload's chunk; the last one carries the digest
    task.mutable_payload()->set_chunk_data("c");
    if (chunk + 1 == chunks) task.mutable_payload()->set_sha256(std::string(32, 's'));
  }
  return task;
}

// Reads the real topic (librdkafka's mock cluster): what is there, what is
// not, what is there only in part, with poison and other sessions around.
TEST(KafkaTopicPayloadsTest, FindsWhichAskedPayloadsTheTopicHoldsWhole) {
  auto cluster = MockKafkaCluster::Start(1, {{.name = kTopic, .partitions = 3}});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto producer = CreateRdKafkaProducer({.bootstrap_servers = (*cluster)->bootstrap_servers()});
  ASSERT_TRUE(producer.ok()) << producer.status();
  std::atomic<int> acknowledged{0};
  const auto produce = [&](const std::string& key, const std::string& value) {
    ASSERT_TRUE((*producer)
                    ->Produce(kTopic, key, value,
                              [&](absl::StatusOr<RecordPosition> position) {
                                if (position.ok()) ++acknowledged;
                              })
                    .ok());
  };
  for (const v1::Task& task :
       {Payload("s1", 1, 0, 1), Payload("s1", 2, 0, 2), Payload("s1", 3, 0, 2),
        Payload("s1", 3, 1, 2), Payload("other", 1, 0, 1)}) {
    produce(KafkaKeyOf(task), EncodeTask(task));
  }
  produce("s1", "\xff\xff not a task");
  ASSERT_TRUE((*producer)->Flush(absl::Seconds(30)).ok());
  ASSERT_EQ(acknowledged.load(), 6);

  auto source =
      CreateKafkaTopicPayloads((*cluster)->bootstrap_servers(), kTopic, absl::Seconds(30));
  const loadgen::PayloadKey whole{"s1", 1}, partial{"s1", 2}, chunked{"s1", 3}, absent{"s1", 9};
  absl::StatusOr<TopicPayloads> found = source->Find({whole, partial, chunked, absent});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->Complete(whole));
  EXPECT_TRUE(found->Seen(partial));
  EXPECT_FALSE(found->Complete(partial)) << "one chunk of two";
  EXPECT_TRUE(found->Complete(chunked));
  EXPECT_FALSE(found->Seen(absent));
  EXPECT_FALSE(found->Seen({"other", 2}));
}

}  // namespace
}  // namespace ingest::chaos
