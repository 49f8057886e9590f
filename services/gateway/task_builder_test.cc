#include "services/gateway/task_builder.h"

#include "gtest/gtest.h"
#include "services/common/codec/task_codec.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/common/crypto/sha256.h"

namespace ingest {
namespace {

CallInfo Call() {
  return CallInfo{"gw-1", "trace-9", "10.1.2.3", "agent/1", "en", absl::FromUnixMillis(1500)};
}

v1::Task RoundTrip(const v1::Task& task) {
  auto decoded = DecodeTask(EncodeTask(task));
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  return decoded.ok() ? *decoded : v1::Task();
}

// The stored form, built once here: identity content compressed, with the
// raw size and digest of its serialized PayloadContent.
TEST(TaskBuilderTest, PayloadTaskIsAValidWholePayloadRecordInStoredForm) {
  v1::PushPayloadRequest request;
  request.set_session_id("s1");
  request.set_payload_id(7);
  request.mutable_content()->set_events(std::string(4000, '['));
  request.set_has_session_unloaded(true);
  const std::string raw = request.content().SerializeAsString();
  v1::Task task = RoundTrip(BuildPayloadTask(request, "proj", Call(), 3));
  EXPECT_EQ(task.schema_version(), kTaskSchemaVersion);
  EXPECT_EQ(task.payload_id(), 7u);
  EXPECT_EQ(task.chunk_count(), 1u);
  EXPECT_EQ(task.project_id(), "proj");
  EXPECT_FALSE(task.payload().has_content()) << "the content travels in its stored form only";
  EXPECT_EQ(task.payload().storage_encoding(), v1::STORAGE_ENCODING_ZSTD);
  EXPECT_LT(task.payload().stored_data().size(), raw.size());
  EXPECT_EQ(task.payload().raw_size(), raw.size());
  EXPECT_EQ(task.payload().raw_sha256(), Sha256(raw));
  EXPECT_EQ(*ZstdDecompressBounded(task.payload().stored_data(), raw.size()), raw);
  EXPECT_EQ(task.payload().content_encoding(), v1::CONTENT_ENCODING_IDENTITY);
  EXPECT_TRUE(task.payload().has_session_unloaded());
  EXPECT_EQ(task.received_at().seconds(), 1);
  EXPECT_EQ(task.received_at().nanos(), 500'000'000);
  EXPECT_EQ(task.gateway_id(), "gw-1");
  EXPECT_EQ(KafkaKeyOf(task), "s1");
}

// What the SDK compressed is validated by the gateway and kept as it came.
TEST(TaskBuilderTest, ClientCompressedContentIsStoredAsItCame) {
  v1::PushPayloadRequest request;
  request.set_session_id("s1");
  request.set_payload_id(1);
  request.set_content_encoding(v1::CONTENT_ENCODING_ZSTD);
  request.mutable_content()->set_events(ZstdCompress("[1,2,3]"));
  v1::Task task = RoundTrip(BuildPayloadTask(request, "proj", Call(), 1));
  EXPECT_EQ(task.payload().storage_encoding(), v1::STORAGE_ENCODING_RAW);
  EXPECT_EQ(task.payload().stored_data(), request.content().SerializeAsString());
}

TEST(TaskBuilderTest, InitTaskRecordsTheKeysProjectAndCallMetadata) {
  v1::InitializeSessionRequest request;
  request.set_client_version("1.2.3");
  v1::Task task = RoundTrip(BuildInitializeSessionTask(request, "proj", "proj.x", Call()));
  EXPECT_EQ(task.session_id(), "proj.x");
  EXPECT_EQ(task.init().request().project_id(), "proj");
  EXPECT_EQ(task.init().request().client_version(), "1.2.3");
  EXPECT_EQ(task.init().peer_ip(), "10.1.2.3");
  EXPECT_EQ(task.init().user_agent(), "agent/1");
  EXPECT_EQ(task.schema_version(), kContentFormSchemaVersion)
      << "tasks without a stored form stay readable by older workers";
}

TEST(TaskBuilderTest, ChunkTasksCarryPositionAndTheLastTheDigest) {
  v1::PayloadStreamHeader header;
  header.set_session_id("s1");
  header.set_payload_id(3);
  header.set_total_bytes(10);
  v1::Task first =
      RoundTrip(BuildPayloadChunkTask(header, "proj", Call(), 0, 2, 0, "12345", "", 1));
  v1::Task last = RoundTrip(
      BuildPayloadChunkTask(header, "proj", Call(), 1, 2, 5, "67890", std::string(32, 'd'), 1));
  EXPECT_EQ(first.chunk_index(), 0u);
  EXPECT_EQ(last.chunk_index(), 1u);
  EXPECT_EQ(last.chunk_count(), 2u);
  EXPECT_EQ(last.payload().chunk_offset(), 5u);
  EXPECT_TRUE(last.payload().chunk_data().empty());
  EXPECT_EQ(last.payload().raw_size(), 5u);
  EXPECT_EQ(last.payload().raw_sha256(), Sha256("67890"));
  // Each chunk is its own zstd frame; together they are the whole content.
  EXPECT_EQ(*ZstdDecompressBounded(first.payload().stored_data() + last.payload().stored_data(),
                                   10),
            "1234567890");
  EXPECT_EQ(last.payload().total_bytes(), 10u);
  EXPECT_EQ(last.payload().sha256().size(), 32u);
  EXPECT_TRUE(first.payload().sha256().empty());
}

TEST(TaskBuilderTest, BackendErrorsAreGroupedBySessionKeepingOrder) {
  v1::PushBackendErrorsRequest request;
  for (const char* session : {"s1", "", "s1", "s2", ""}) {
    v1::BackendError* error = request.add_errors();
    error->set_session_id(session);
    error->set_event(std::string("e-") + session);
  }
  std::vector<v1::Task> tasks = BuildBackendErrorTasks(request, "proj", Call());
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(KafkaKeyOf(tasks[0]), "s1");
  EXPECT_EQ(tasks[0].backend_errors().errors_size(), 2);
  EXPECT_EQ(KafkaKeyOf(tasks[1]), "project/proj") << "session-less errors keyed by project";
  EXPECT_EQ(tasks[1].backend_errors().errors_size(), 2);
  EXPECT_EQ(KafkaKeyOf(tasks[2]), "s2");
  for (const v1::Task& task : tasks) RoundTrip(task);
}

TEST(TaskBuilderTest, MetricsAreGroupedBySession) {
  v1::PushMetricsRequest request;
  for (const char* session : {"", "s9"}) {
    v1::Metric* metric = request.add_metrics();
    metric->set_session_id(session);
    metric->set_name("lcp");
  }
  std::vector<v1::Task> tasks = BuildMetricTasks(request, "proj", Call());
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].type(), v1::TASK_TYPE_PUSH_METRICS);
  EXPECT_EQ(KafkaKeyOf(tasks[1]), "s9");
}

TEST(TaskBuilderTest, FeedbackWithoutTimestampGetsTheReceiveTime) {
  v1::AddSessionFeedbackRequest request;
  request.set_session_id("s1");
  request.set_verbatim("great");
  v1::Task task = RoundTrip(BuildFeedbackTask(request, "proj", Call()));
  EXPECT_EQ(task.feedback().timestamp_ms(), 1500);
}

}  // namespace
}  // namespace ingest
