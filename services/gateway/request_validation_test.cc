#include "services/gateway/request_validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/gateway/session_id.h"

namespace ingest {
namespace {

using ::testing::HasSubstr;

v1::PushPayloadRequest ValidPush() {
  v1::PushPayloadRequest request;
  request.set_session_id(NewSessionId("proj"));
  request.set_payload_id(1);
  request.mutable_content()->set_events("[]");
  return request;
}

TEST(RequestValidationTest, AcceptsAWellFormedPushAndReturnsItsProject) {
  auto project = ValidatePushPayload(ValidPush(), {});
  ASSERT_TRUE(project.ok()) << project.status();
  EXPECT_EQ(*project, "proj");
}

TEST(RequestValidationTest, EmptySessionIdSaysToInitializeFirst) {
  v1::PushPayloadRequest request = ValidPush();
  request.clear_session_id();
  absl::Status status = ValidatePushPayload(request, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("InitializeSession"));
}

TEST(RequestValidationTest, ZeroPayloadIdIsRejected) {
  v1::PushPayloadRequest request = ValidPush();
  request.set_payload_id(0);
  EXPECT_THAT(std::string(ValidatePushPayload(request, {}).status().message()),
              HasSubstr("payload_id"));
}

TEST(RequestValidationTest, OversizedPayloadPointsToTheStreamingCall) {
  v1::PushPayloadRequest request = ValidPush();
  request.mutable_content()->set_events(std::string(2000, 'x'));
  absl::Status status = ValidatePushPayload(request, {.max_payload_bytes = 1000}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("PushPayloadStream"));
}

TEST(RequestValidationTest, UnknownContentEncodingIsRejected) {
  v1::PushPayloadRequest request = ValidPush();
  request.set_content_encoding(static_cast<v1::ContentEncoding>(9));
  EXPECT_EQ(ValidatePushPayload(request, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RequestValidationTest, InitializeNeedsAValidProject) {
  v1::InitializeSessionRequest request;
  EXPECT_EQ(ValidateInitializeSession(request).code(), absl::StatusCode::kInvalidArgument);
  request.set_project_id("proj");
  EXPECT_TRUE(ValidateInitializeSession(request).ok());
}

}  // namespace
}  // namespace ingest
