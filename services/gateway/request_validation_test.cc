#include "services/gateway/request_validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/gateway/session_id.h"

namespace ingest {
namespace {

using ::testing::HasSubstr;

constexpr char kProject[] = "proj";

class RequestValidationTest : public ::testing::Test {
 protected:
  std::string Session(const char* project = kProject) const { return ids_.New(project); }

  static std::string Message(const absl::Status& status) { return std::string(status.message()); }

  SessionIds ids_{"validation-test-secret"};
  RequestLimits limits_;
};

// --- InitializeSession

TEST_F(RequestValidationTest, InitializeAcceptsEmptyOrMatchingProject) {
  v1::InitializeSessionRequest request;
  EXPECT_TRUE(ValidateInitializeSession(request, kProject).ok());
  request.set_project_id(kProject);
  EXPECT_TRUE(ValidateInitializeSession(request, kProject).ok());
}

TEST_F(RequestValidationTest, InitializeForAnotherProjectIsPermissionDenied) {
  v1::InitializeSessionRequest request;
  request.set_project_id("other");
  EXPECT_EQ(ValidateInitializeSession(request, kProject).code(),
            absl::StatusCode::kPermissionDenied);
}

// --- PushPayload

v1::PushPayloadRequest Push(const std::string& session) {
  v1::PushPayloadRequest request;
  request.set_session_id(session);
  request.set_payload_id(1);
  request.mutable_content()->set_events("[]");
  return request;
}

TEST_F(RequestValidationTest, AcceptsAWellFormedPush) {
  EXPECT_TRUE(ValidatePushPayload(Push(Session()), limits_, ids_, kProject).ok());
}

TEST_F(RequestValidationTest, EmptySessionIdSaysToInitializeFirst) {
  absl::Status status = ValidatePushPayload(Push(""), limits_, ids_, kProject);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("InitializeSession"));
}

TEST_F(RequestValidationTest, MalformedSessionIdIsInvalidArgument) {
  EXPECT_EQ(ValidatePushPayload(Push("garbage"), limits_, ids_, kProject).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RequestValidationTest, SessionOfAnotherProjectIsPermissionDenied) {
  absl::Status status = ValidatePushPayload(Push(Session("other")), limits_, ids_, kProject);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Message(status), HasSubstr("another project"));
}

TEST_F(RequestValidationTest, ZeroPayloadIdIsInvalidArgument) {
  v1::PushPayloadRequest request = Push(Session());
  request.set_payload_id(0);
  EXPECT_THAT(Message(ValidatePushPayload(request, limits_, ids_, kProject)),
              HasSubstr("payload_id"));
}

TEST_F(RequestValidationTest, OversizedPayloadPointsToTheStreamingCall) {
  v1::PushPayloadRequest request = Push(Session());
  request.mutable_content()->set_events(std::string(2000, 'x'));
  limits_.max_payload_bytes = 1000;
  absl::Status status = ValidatePushPayload(request, limits_, ids_, kProject);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("PushPayloadStream"));
}

TEST_F(RequestValidationTest, UnknownContentEncodingIsInvalidArgument) {
  v1::PushPayloadRequest request = Push(Session());
  request.set_content_encoding(static_cast<v1::ContentEncoding>(9));
  EXPECT_EQ(ValidatePushPayload(request, limits_, ids_, kProject).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RequestValidationTest, ZstdContentMustBeValidZstd) {
  v1::PushPayloadRequest request = Push(Session());
  request.set_content_encoding(v1::CONTENT_ENCODING_ZSTD);
  request.mutable_content()->set_events("plain text, not zstd");
  absl::Status status = ValidatePushPayload(request, limits_, ids_, kProject);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("content.events"));
  request.mutable_content()->set_events(ZstdCompress("[1,2,3]"));
  EXPECT_TRUE(ValidatePushPayload(request, limits_, ids_, kProject).ok());
}

TEST_F(RequestValidationTest, ZstdBombIsRefusedWithoutInflatingIt) {
  v1::PushPayloadRequest request = Push(Session());
  request.set_content_encoding(v1::CONTENT_ENCODING_ZSTD);
  request.mutable_content()->set_events(ZstdCompress(std::string(32 << 20, '\0'), 19));
  limits_.max_decompressed_bytes = 1 << 20;
  EXPECT_THAT(Message(ValidatePushPayload(request, limits_, ids_, kProject)),
              HasSubstr("more than 1048576"));
}

TEST_F(RequestValidationTest, ZstdLimitCoversAllFieldsTogether) {
  v1::PushPayloadRequest request = Push(Session());
  request.set_content_encoding(v1::CONTENT_ENCODING_ZSTD);
  request.mutable_content()->set_events(ZstdCompress(std::string(600, 'e')));
  request.mutable_content()->set_messages(ZstdCompress(std::string(600, 'm')));
  limits_.max_decompressed_bytes = 1000;
  EXPECT_THAT(Message(ValidatePushPayload(request, limits_, ids_, kProject)),
              HasSubstr("content.messages"));
}

// --- PushPayloadStream header

v1::PayloadStreamHeader Header(const std::string& session) {
  v1::PayloadStreamHeader header;
  header.set_session_id(session);
  header.set_payload_id(1);
  header.set_total_bytes(1000);
  return header;
}

TEST_F(RequestValidationTest, StreamHeaderNeedsAnExactPositiveSize) {
  EXPECT_TRUE(ValidateStreamHeader(Header(Session()), limits_, ids_, kProject).ok());
  v1::PayloadStreamHeader header = Header(Session());
  header.set_total_bytes(0);
  EXPECT_THAT(Message(ValidateStreamHeader(header, limits_, ids_, kProject)),
              HasSubstr("total_bytes"));
}

TEST_F(RequestValidationTest, StreamOverTheLimitIsInvalidArgument) {
  v1::PayloadStreamHeader header = Header(Session());
  header.set_total_bytes(uint64_t{1} << 40);
  EXPECT_EQ(ValidateStreamHeader(header, limits_, ids_, kProject).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RequestValidationTest, StreamDigestMustBeSha256Sized) {
  v1::PayloadStreamHeader header = Header(Session());
  header.set_sha256("short");
  EXPECT_EQ(ValidateStreamHeader(header, limits_, ids_, kProject).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RequestValidationTest, StreamOfAnotherProjectsSessionIsPermissionDenied) {
  EXPECT_EQ(ValidateStreamHeader(Header(Session("other")), limits_, ids_, kProject).code(),
            absl::StatusCode::kPermissionDenied);
}

// --- Identify / properties / feedback

TEST_F(RequestValidationTest, IdentifyNeedsAUserIdentifierAndBoundedUserObject) {
  v1::IdentifySessionRequest request;
  request.set_session_id(Session());
  EXPECT_EQ(ValidateIdentifySession(request, limits_, ids_, kProject).code(),
            absl::StatusCode::kInvalidArgument);
  request.set_user_identifier("ada@example.com");
  EXPECT_TRUE(ValidateIdentifySession(request, limits_, ids_, kProject).ok());
  limits_.max_map_entries = 1;
  (*request.mutable_user_object())["a"] = "1";
  (*request.mutable_user_object())["b"] = "2";
  EXPECT_THAT(Message(ValidateIdentifySession(request, limits_, ids_, kProject)),
              HasSubstr("user_object"));
}

TEST_F(RequestValidationTest, PropertiesMustBeNonEmptyWithBoundedValues) {
  v1::AddSessionPropertiesRequest request;
  request.set_session_id(Session());
  EXPECT_EQ(ValidateAddSessionProperties(request, limits_, ids_, kProject).code(),
            absl::StatusCode::kInvalidArgument);
  (*request.mutable_properties())["plan"] = std::string(100, 'x');
  EXPECT_TRUE(ValidateAddSessionProperties(request, limits_, ids_, kProject).ok());
  limits_.max_field_bytes = 10;
  EXPECT_THAT(Message(ValidateAddSessionProperties(request, limits_, ids_, kProject)),
              HasSubstr("properties[plan]"));
  (*request.mutable_properties())[""] = "x";
  EXPECT_EQ(ValidateAddSessionProperties(request, limits_, ids_, kProject).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RequestValidationTest, FeedbackNeedsVerbatimAndATimestampNotNegative) {
  v1::AddSessionFeedbackRequest request;
  request.set_session_id(Session());
  EXPECT_EQ(ValidateAddSessionFeedback(request, limits_, ids_, kProject).code(),
            absl::StatusCode::kInvalidArgument);
  request.set_verbatim("love it");
  EXPECT_TRUE(ValidateAddSessionFeedback(request, limits_, ids_, kProject).ok());
  request.set_timestamp_ms(-1);
  EXPECT_EQ(ValidateAddSessionFeedback(request, limits_, ids_, kProject).code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Backend errors / metrics

TEST_F(RequestValidationTest, BackendErrorsNeedEventsAndOwnSessionsWhenGiven) {
  v1::PushBackendErrorsRequest request;
  EXPECT_THAT(Message(ValidatePushBackendErrors(request, limits_, ids_, kProject)),
              HasSubstr("empty"));
  request.add_errors()->set_event("boom");  // no session: keyed by project
  request.add_errors()->set_event("bang");
  request.mutable_errors(1)->set_session_id(Session());
  EXPECT_TRUE(ValidatePushBackendErrors(request, limits_, ids_, kProject).ok());
  request.mutable_errors(1)->set_session_id(Session("other"));
  absl::Status status = ValidatePushBackendErrors(request, limits_, ids_, kProject);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Message(status), HasSubstr("errors[1]"));
  request.mutable_errors(1)->clear_session_id();
  request.mutable_errors(1)->clear_event();
  EXPECT_THAT(Message(ValidatePushBackendErrors(request, limits_, ids_, kProject)),
              HasSubstr("errors[1].event"));
}

TEST_F(RequestValidationTest, BatchesOverTheLimitAskToSplit) {
  v1::PushMetricsRequest request;
  for (int i = 0; i < 3; ++i) {
    v1::Metric* metric = request.add_metrics();
    metric->set_name("lcp");
    metric->set_value(1.5);
  }
  limits_.max_batch_items = 2;
  EXPECT_THAT(Message(ValidatePushMetrics(request, limits_, ids_, kProject)), HasSubstr("split"));
}

TEST_F(RequestValidationTest, MetricsNeedANameAndAFiniteValue) {
  v1::PushMetricsRequest request;
  v1::Metric* metric = request.add_metrics();
  metric->set_value(1);
  EXPECT_THAT(Message(ValidatePushMetrics(request, limits_, ids_, kProject)), HasSubstr("name"));
  metric->set_name("cls");
  EXPECT_TRUE(ValidatePushMetrics(request, limits_, ids_, kProject).ok());
  metric->set_value(std::numeric_limits<double>::quiet_NaN());
  EXPECT_THAT(Message(ValidatePushMetrics(request, limits_, ids_, kProject)),
              HasSubstr("not finite"));
}

TEST_F(RequestValidationTest, AnOversizeMessageSaysWhatToSendInstead) {
  limits_.max_message_bytes = 1000;
  EXPECT_TRUE(CheckRequestSize("PushPayload", 1000, limits_).ok());
  EXPECT_THAT(Message(CheckRequestSize("PushPayload", 1001, limits_)),
              HasSubstr("1001 bytes, over the gateway's limit of 1000 bytes per message: send "
                        "the payload with PushPayloadStream"));
  EXPECT_THAT(Message(CheckRequestSize("PushPayloadStream", 1001, limits_)),
              HasSubstr("smaller chunk messages"));
  EXPECT_THAT(Message(CheckRequestSize("PushMetrics", 1001, limits_)), HasSubstr("split the call"));
  EXPECT_EQ(CheckRequestSize("PushMetrics", 1001, limits_).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ingest
