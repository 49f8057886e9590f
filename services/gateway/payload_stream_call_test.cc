// PushPayloadStream through a real in-process gRPC server and a recording
// producer: which chunk records a stream produces and what it is answered;
// and the facts (fact_extraction.h) the payload records of both PushPayload
// and PushPayloadStream carry.

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ingest/v1/ingest.grpc.pb.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/common/crypto/sha256.h"
#include "services/gateway/gateway_server.h"
#include "services/gateway/testing/recording_producer.h"
#include "services/gateway/testing/test_gateway_options.h"

namespace ingest {
namespace {

constexpr char kApiKey[] = "sk_stream_test_0123456789";
constexpr int64_t kChunkBytes = 64 << 10;
constexpr int64_t kMaxMessageBytes = 256 << 10;
constexpr int64_t kFactsMaxStreamBytes = 4 * kChunkBytes;
constexpr int kRetentionDays = 45;  // --default_retention_days

// rrweb events: a Meta page, two clicks, a scroll; and one console error.
v1::PayloadContent Recording(size_t padding = 0) {
  v1::PayloadContent content;
  content.set_events(absl::StrCat(
      R"([{"type":4,"timestamp":1000,"data":{"href":"https://shop.example/cart"}},)",
      R"({"type":3,"timestamp":1100,"data":{"source":2,"type":2,"x":10,"y":20}},)",
      R"({"type":3,"timestamp":1400,"data":{"source":2,"type":2,"x":12,"y":21}},)",
      R"({"type":3,"timestamp":1900,"data":{"source":3,"id":1,"x":0,"y":300}},)",
      R"({"type":5,"timestamp":2000,"data":{"tag":"pad","payload":")",
      std::string(padding, 'p'), R"("}}])"));
  content.set_messages(R"([{"type":"Error","value":["boom"],"time":1500}])");
  return content;
}

void ExpectRecordingFacts(const v1::PayloadFacts& facts) {
  EXPECT_TRUE(facts.parsed()) << facts.DebugString();
  EXPECT_EQ(facts.event_count(), 5u);
  EXPECT_EQ(facts.click_count(), 2u);
  EXPECT_EQ(facts.first_event_ms(), 1000);
  EXPECT_EQ(facts.last_event_ms(), 2000);
  ASSERT_EQ(facts.pages_size(), 1);
  EXPECT_EQ(facts.pages(0), "https://shop.example/cart");
  EXPECT_EQ(facts.console_errors(), 1u);
}

std::string Content(size_t size) {
  std::string content(size, '\0');
  for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>('a' + i % 23);
  return content;
}

class PayloadStreamCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GatewayOptions options =
        TestGatewayOptions("stream-project", kApiKey, "stream-test-secret-0123456789");
    options.service.stream_chunk_bytes = kChunkBytes;
    options.service.limits.max_payload_bytes = kChunkBytes;
    options.service.limits.max_message_bytes = kMaxMessageBytes;
    options.service.facts_max_stream_bytes = kFactsMaxStreamBytes;
    options.default_retention_days = kRetentionDays;
    auto producer = std::make_unique<RecordingProducer>();
    producer_ = producer.get();
    auto server = GatewayServer::Start(options, std::move(producer));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::Ingest::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                                    grpc::InsecureChannelCredentials()));
    v1::InitializeSessionResponse session;
    grpc::Status status = stub_->InitializeSession(Context().get(), {}, &session);
    ASSERT_TRUE(status.ok()) << status.error_message();
    session_id_ = session.session_id();
  }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    context->AddMetadata("authorization", absl::StrCat("Bearer ", kApiKey));
    return context;
  }

  // Sends a header announcing `total_bytes` (and `sha256` if not empty),
  // then `content` in messages of `message_bytes`, then half-closes.
  grpc::Status Stream(uint64_t payload_id, uint64_t total_bytes, const std::string& content,
                      const std::string& sha256 = "", size_t message_bytes = 10'000,
                      v1::ContentEncoding encoding = v1::CONTENT_ENCODING_IDENTITY) {
    auto context = Context();
    v1::PushPayloadStreamResponse response;
    auto writer = stub_->PushPayloadStream(context.get(), &response);
    v1::PushPayloadStreamRequest header;
    header.mutable_header()->set_session_id(session_id_);
    header.mutable_header()->set_payload_id(payload_id);
    header.mutable_header()->set_total_bytes(total_bytes);
    header.mutable_header()->set_sha256(sha256);
    header.mutable_header()->set_content_encoding(encoding);
    writer->Write(header);
    for (size_t at = 0; at < content.size(); at += message_bytes) {
      v1::PushPayloadStreamRequest chunk;
      chunk.set_chunk(content.substr(at, message_bytes));
      if (!writer->Write(chunk)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // The chunk records produced for `payload_id`, once every record was
  // acknowledged.
  std::vector<v1::Task> ChunksOf(uint64_t payload_id) {
    EXPECT_TRUE(producer_->Flush(absl::Seconds(10)).ok());
    std::vector<v1::Task> chunks;
    for (v1::Task& task : producer_->tasks()) {
      if (task.payload_id() == payload_id) chunks.push_back(std::move(task));
    }
    return chunks;
  }

  static bool HasLastChunk(const std::vector<v1::Task>& chunks) {
    for (const v1::Task& chunk : chunks) {
      if (chunk.chunk_index() + 1 == chunk.chunk_count()) return true;
    }
    return false;
  }

  RecordingProducer* producer_ = nullptr;
  std::unique_ptr<GatewayServer> server_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  std::string session_id_;
};

TEST_F(PayloadStreamCallTest, ACompleteStreamProducesEveryChunkAndAnswersOk) {
  const std::string content = Content(3 * kChunkBytes - 100);
  grpc::Status status = Stream(1, content.size(), content, Sha256(content));
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<v1::Task> chunks = ChunksOf(1);
  ASSERT_EQ(chunks.size(), 3u);
  // Each chunk is its slice in stored form: zstd frames that concatenate.
  std::string frames;
  for (const v1::Task& chunk : chunks) frames += chunk.payload().stored_data();
  auto joined = ZstdDecompressBounded(frames, static_cast<int64_t>(content.size()));
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(*joined, content);
  EXPECT_EQ(chunks[2].payload().sha256(), Sha256(content));
}

TEST_F(PayloadStreamCallTest, EveryChunkCarriesTheProjectsRetention) {
  const std::string content = Content(3 * kChunkBytes - 100);
  grpc::Status status = Stream(1, content.size(), content, Sha256(content));
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<v1::Task> chunks = ChunksOf(1);
  ASSERT_EQ(chunks.size(), 3u);
  for (const v1::Task& chunk : chunks) EXPECT_EQ(chunk.retention_days(), uint32_t{kRetentionDays});
}

TEST_F(PayloadStreamCallTest, AStreamSendingMoreThanItsHeaderNeverProducesItsLastChunk) {
  const std::string content = Content(3 * kChunkBytes - 100);
  grpc::Status status = Stream(1, content.size(), content + "overflow");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_FALSE(HasLastChunk(ChunksOf(1)));
}

TEST_F(PayloadStreamCallTest, AnOverSendInItsOwnMessageNeverProducesTheLastChunk) {
  // The declared size arrives exactly, then one more message.
  const std::string content = Content(2 * kChunkBytes);
  grpc::Status status =
      Stream(1, content.size(), content + std::string(kChunkBytes, 'x'), "", kChunkBytes);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_FALSE(HasLastChunk(ChunksOf(1)));
}

TEST_F(PayloadStreamCallTest, AWrongDigestNeverProducesTheLastChunk) {
  const std::string content = Content(2 * kChunkBytes + 1);
  grpc::Status status = Stream(1, content.size(), content, Sha256("something else"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_FALSE(HasLastChunk(ChunksOf(1)));
}

TEST_F(PayloadStreamCallTest, AShortStreamNeverProducesTheLastChunk) {
  const std::string content = Content(2 * kChunkBytes + 1);
  grpc::Status status = Stream(1, content.size() + 10, content);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_FALSE(HasLastChunk(ChunksOf(1)));
}

TEST_F(PayloadStreamCallTest, AMessageOverTheMessageLimitIsInvalidArgument) {
  // gRPC's own limit would have answered RESOURCE_EXHAUSTED.
  const std::string content = Content(2 * kMaxMessageBytes);
  grpc::Status status = Stream(1, content.size(), content, "", content.size());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_NE(status.error_message().find("smaller chunk messages"), std::string::npos)
      << status.error_message();
  EXPECT_TRUE(ChunksOf(1).empty());
}

// A serialized PayloadContent whose fields are zstd, as an SDK sends it.
std::string ZstdContent(const std::string& events, const std::string& messages) {
  v1::PayloadContent content;
  content.set_events(ZstdCompress(events));
  content.set_messages(ZstdCompress(messages));
  return content.SerializeAsString();
}

TEST_F(PayloadStreamCallTest, ValidZstdContentIsAcceptedWhole) {
  const std::string content = ZstdContent(Content(300'000), Content(1000));
  grpc::Status status = Stream(1, content.size(), content, "", 1000, v1::CONTENT_ENCODING_ZSTD);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(HasLastChunk(ChunksOf(1)));
}

TEST_F(PayloadStreamCallTest, ZstdLabelledGarbageIsInvalidArgumentWithoutTheLastChunk) {
  v1::PayloadContent garbage;
  garbage.set_events(Content(2 * kChunkBytes));  // not zstd
  const std::string content = garbage.SerializeAsString();
  grpc::Status status =
      Stream(1, content.size(), content, "", 10'000, v1::CONTENT_ENCODING_ZSTD);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_NE(status.error_message().find("content.events"), std::string::npos)
      << status.error_message();
  EXPECT_FALSE(HasLastChunk(ChunksOf(1)));
}

TEST_F(PayloadStreamCallTest, AZstdFieldCutShortAtTheEndIsInvalidArgumentWithoutTheLastChunk) {
  // Valid zstd, but the last field's frame is not complete: only the very
  // end of the stream shows it.
  v1::PayloadContent content;
  content.set_events(ZstdCompress(Content(100'000)));
  const std::string frame = ZstdCompress(Content(200'000) + "tail");
  content.set_errors(frame.substr(0, frame.size() - 3));
  const std::string bytes = content.SerializeAsString();
  grpc::Status status = Stream(1, bytes.size(), bytes, "", 10'000, v1::CONTENT_ENCODING_ZSTD);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_FALSE(HasLastChunk(ChunksOf(1)));
}

TEST_F(PayloadStreamCallTest, AZstdBombIsInvalidArgumentWithoutTheLastChunk) {
  // 300 MB of zeros compress to a few KB; the limit is 256 MB.
  const std::string content = ZstdContent(std::string(300 << 20, '\0'), "x");
  grpc::Status status = Stream(1, content.size(), content, "", 1000, v1::CONTENT_ENCODING_ZSTD);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_FALSE(HasLastChunk(ChunksOf(1)));
}

// --- Facts -----------------------------------------------------------------

TEST_F(PayloadStreamCallTest, AUnaryPayloadCarriesTheFactsOfItsContent) {
  v1::PushPayloadRequest request;
  request.set_session_id(session_id_);
  request.set_payload_id(7);
  *request.mutable_content() = Recording();
  v1::PushPayloadResponse response;
  grpc::Status status = stub_->PushPayload(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<v1::Task> records = ChunksOf(7);
  ASSERT_EQ(records.size(), 1u);
  ExpectRecordingFacts(records[0].payload().facts());
}

TEST_F(PayloadStreamCallTest, ContentThatIsNotJsonIsStoredWithUnparsedFacts) {
  v1::PushPayloadRequest request;
  request.set_session_id(session_id_);
  request.set_payload_id(8);
  request.mutable_content()->set_events(R"([{"type":3,"timestamp":)");  // cut short
  v1::PushPayloadResponse response;
  grpc::Status status = stub_->PushPayload(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << "accepted and stored untouched: " << status.error_message();
  std::vector<v1::Task> records = ChunksOf(8);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].payload().facts().parsed());
  EXPECT_EQ(records[0].payload().facts().unparsed_reason(), "not_json");
}

TEST_F(PayloadStreamCallTest, ClientCompressedUnaryContentIsNotInflatedForFacts) {
  v1::PushPayloadRequest request;
  request.set_session_id(session_id_);
  request.set_payload_id(9);
  request.set_content_encoding(v1::CONTENT_ENCODING_ZSTD);
  request.mutable_content()->set_events(ZstdCompress(Recording().events()));
  v1::PushPayloadResponse response;
  grpc::Status status = stub_->PushPayload(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<v1::Task> records = ChunksOf(9);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].payload().facts().unparsed_reason(), "client_compressed");
}

TEST_F(PayloadStreamCallTest, AStreamsLastChunkAloneCarriesTheFactsOfTheWholeContent) {
  // Three chunk records; the events array spans all of them.
  const std::string bytes = Recording(2 * kChunkBytes + 1000).SerializeAsString();
  ASSERT_LE(static_cast<int64_t>(bytes.size()), kFactsMaxStreamBytes);
  grpc::Status status = Stream(3, bytes.size(), bytes, Sha256(bytes));
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<v1::Task> chunks = ChunksOf(3);
  ASSERT_EQ(chunks.size(), 3u);
  for (const v1::Task& chunk : chunks) {
    if (chunk.chunk_index() + 1 < chunk.chunk_count()) {
      EXPECT_FALSE(chunk.payload().has_facts()) << "chunk " << chunk.chunk_index();
    } else {
      ExpectRecordingFacts(chunk.payload().facts());
    }
  }
}

TEST_F(PayloadStreamCallTest, AStreamAboveTheFactsLimitIsStoredWithFactsSayingTooLarge) {
  const std::string bytes = Recording(kFactsMaxStreamBytes).SerializeAsString();
  grpc::Status status = Stream(4, bytes.size(), bytes, "", 50'000);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<v1::Task> chunks = ChunksOf(4);
  ASSERT_TRUE(HasLastChunk(chunks));
  for (const v1::Task& chunk : chunks) {
    if (chunk.chunk_index() + 1 < chunk.chunk_count()) continue;
    EXPECT_EQ(chunk.payload().facts().unparsed_reason(), "too_large");
  }
}

}  // namespace
}  // namespace ingest
