#include "client/cpp/encoded_payload.h"

#include <vector>

#include "gtest/gtest.h"

namespace ingest::client {
namespace {

v1::PayloadContent Content(size_t events_bytes) {
  v1::PayloadContent content;
  content.set_events(std::string(events_bytes, 'e'));
  content.set_messages("[{\"type\":\"error\"}]");
  content.set_errors("[]");
  return content;
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

TEST(EncodedPayloadTest, TheUnaryRequestParsesAsThePayload) {
  for (size_t size : {size_t{0}, size_t{100}, size_t{300000}}) {
    const v1::PayloadContent content = Content(size);
    auto payload = EncodePayload("s1", 7, v1::CONTENT_ENCODING_ZSTD, true, true, content);
    v1::PushPayloadRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(Flatten(UnaryRequestBytes(payload)))) << size;
    EXPECT_EQ(parsed.session_id(), "s1");
    EXPECT_EQ(parsed.payload_id(), 7u);
    EXPECT_EQ(parsed.content_encoding(), v1::CONTENT_ENCODING_ZSTD);
    EXPECT_TRUE(parsed.is_beacon());
    EXPECT_TRUE(parsed.has_session_unloaded());
    EXPECT_EQ(parsed.content().SerializeAsString(), content.SerializeAsString());
    EXPECT_EQ(parsed.content().events().size(), size);
  }
}

TEST(EncodedPayloadTest, AnEmptyContentIsStillSent) {
  auto payload = EncodePayload("s1", 1, v1::CONTENT_ENCODING_IDENTITY, false, false, {});
  EXPECT_EQ(payload->content_bytes(), 0);
  v1::PushPayloadRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(Flatten(UnaryRequestBytes(payload))));
  EXPECT_TRUE(parsed.has_content());
  EXPECT_EQ(parsed.payload_id(), 1u);
}

TEST(EncodedPayloadTest, EveryRequestOfThePayloadHasTheSameBytes) {
  auto payload = EncodePayload("s1", 3, v1::CONTENT_ENCODING_IDENTITY, false, false, Content(5000));
  EXPECT_EQ(Flatten(UnaryRequestBytes(payload)), Flatten(UnaryRequestBytes(payload)));
}

TEST(EncodedPayloadTest, TheBufferKeepsTheContentAlive) {
  grpc::ByteBuffer buffer;
  std::string expected;
  {
    auto payload =
        EncodePayload("s1", 3, v1::CONTENT_ENCODING_IDENTITY, false, false, Content(5000));
    expected = *payload->content;
    buffer = UnaryRequestBytes(std::move(payload));
  }
  v1::PushPayloadRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(Flatten(buffer)));
  EXPECT_EQ(parsed.content().SerializeAsString(), expected);
}

TEST(EncodedPayloadTest, TheStreamHeaderDescribesTheContent) {
  auto payload = EncodePayload("s9", 4, v1::CONTENT_ENCODING_IDENTITY, false, true, Content(10));
  const v1::PushPayloadStreamRequest header = StreamHeader(*payload, "digest");
  ASSERT_TRUE(header.has_header());
  EXPECT_EQ(header.header().session_id(), "s9");
  EXPECT_EQ(header.header().payload_id(), 4u);
  EXPECT_EQ(header.header().total_bytes(), payload->content->size());
  EXPECT_EQ(header.header().sha256(), "digest");
  EXPECT_TRUE(header.header().has_session_unloaded());
}

}  // namespace
}  // namespace ingest::client
