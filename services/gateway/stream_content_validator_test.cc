#include "services/gateway/stream_content_validator.h"

#include <string>

#include "gtest/gtest.h"
#include "ingest/v1/ingest.pb.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

std::string Text(size_t size, char first) {
  std::string text(size, '\0');
  for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>(first + (i * 31) % 17);
  return text;
}

// Validates `content` split at `at`, then in pieces of `step` bytes.
absl::Status Validate(absl::string_view content, int64_t limit, size_t at = 0,
                      size_t step = 4096) {
  StreamContentValidator validator(limit);
  RETURN_IF_ERROR(validator.Update(content.substr(0, at)));
  for (size_t i = at; i < content.size(); i += step) {
    if (absl::Status status = validator.Update(content.substr(i, step)); !status.ok()) {
      return status;
    }
  }
  return validator.Finish();
}

std::string ValidContent() {
  v1::PayloadContent content;
  content.set_events(ZstdCompress(Text(100'000, 'a')));
  content.set_messages(ZstdCompress("one console message"));
  content.set_web_socket_events(ZstdCompress(Text(5000, 'w')) + ZstdCompress("two frames"));
  content.set_errors(ZstdCompress(Text(300, 'e')));
  return content.SerializeAsString();
}

TEST(StreamContentValidatorTest, AcceptsValidContentSplitAtEveryByte) {
  const std::string content = ValidContent();
  for (size_t at = 0; at <= content.size(); ++at) {
    ASSERT_TRUE(Validate(content, 1 << 20, at).ok()) << at;
  }
  EXPECT_TRUE(Validate(content, 1 << 20, 0, 1).ok());
}

TEST(StreamContentValidatorTest, AcceptsEmptyContentAndEmptyFields) {
  EXPECT_TRUE(Validate("", 1000).ok());
  EXPECT_TRUE(Validate(std::string("\x0a\x00", 2), 1000).ok());
}

TEST(StreamContentValidatorTest, RefusesGarbageNamingTheField) {
  v1::PayloadContent content;
  content.set_events(ZstdCompress("fine"));
  content.set_resources("this is not zstd");
  absl::Status status = Validate(content.SerializeAsString(), 1 << 20, 0, 3);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("content.resources: content is not valid zstd"),
            absl::string_view::npos)
      << status;
}

TEST(StreamContentValidatorTest, StopsABombAtTheLimit) {
  v1::PayloadContent content;
  content.set_events(ZstdCompress(std::string(64 << 20, '\0'), 19));
  absl::Status status = Validate(content.SerializeAsString(), 1 << 20);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("more than 1048576"), absl::string_view::npos) << status;
}

TEST(StreamContentValidatorTest, TheLimitCoversAllFieldsTogether) {
  v1::PayloadContent content;
  content.set_events(ZstdCompress(std::string(600'000, 'x')));
  content.set_errors(ZstdCompress(std::string(600'000, 'y')));
  const std::string bytes = content.SerializeAsString();
  EXPECT_TRUE(Validate(bytes, 1'200'000).ok());
  absl::Status status = Validate(bytes, 1'000'000);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("content.errors"), absl::string_view::npos) << status;
}

TEST(StreamContentValidatorTest, RefusesContentEndingInsideAField) {
  const std::string content = ValidContent();
  absl::Status status = Validate(content.substr(0, content.size() - 10), 1 << 20);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("content ends inside field 5"), absl::string_view::npos)
      << status;
}

TEST(StreamContentValidatorTest, RefusesAFieldThatDoesNotEndItsZstdFrame) {
  const std::string frame = ZstdCompress(Text(50'000, 'f'));
  v1::PayloadContent content;
  content.set_messages(frame.substr(0, frame.size() - 4));
  content.set_errors(ZstdCompress("after it"));
  absl::Status status = Validate(content.SerializeAsString(), 1 << 20, 0, 100);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("content.messages: zstd content is truncated"),
            absl::string_view::npos)
      << status;
}

TEST(StreamContentValidatorTest, RefusesAFieldOfAnotherWireType) {
  absl::Status status = Validate(std::string("\x08\x01", 2), 1000);  // field 1 as a varint
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("wire type 0"), absl::string_view::npos) << status;
}

TEST(StreamContentValidatorTest, SkipsFieldsPayloadContentDoesNotKnow) {
  // Field 9, length 3, not zstd: ignored like unknown fields of unary content.
  EXPECT_TRUE(Validate(std::string("\x4a\x03xyz", 5) + ValidContent(), 1 << 20).ok());
}

}  // namespace
}  // namespace ingest
