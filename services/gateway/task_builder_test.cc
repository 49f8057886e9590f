#include "services/gateway/task_builder.h"

#include "gtest/gtest.h"
#include "services/common/codec/task_codec.h"

namespace ingest {
namespace {

CallInfo Call() {
  return CallInfo{"gw-1", "trace-9", "10.1.2.3", "agent/1", "en", absl::FromUnixMillis(1500)};
}

TEST(TaskBuilderTest, PayloadTaskIsAValidWholePayloadRecord) {
  v1::PushPayloadRequest request;
  request.set_session_id("proj.0123456789abcdef0123456789abcdef");
  request.set_payload_id(7);
  request.mutable_content()->set_events("[1]");
  request.set_has_session_unloaded(true);
  v1::Task task = BuildPayloadTask(request, "proj", Call());

  auto decoded = DecodeTask(EncodeTask(task));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->payload_id(), 7u);
  EXPECT_EQ(decoded->chunk_count(), 1u);
  EXPECT_EQ(decoded->project_id(), "proj");
  EXPECT_EQ(decoded->payload().content().events(), "[1]");
  EXPECT_EQ(decoded->payload().content_encoding(), v1::CONTENT_ENCODING_IDENTITY);
  EXPECT_TRUE(decoded->payload().has_session_unloaded());
  EXPECT_EQ(decoded->received_at().seconds(), 1);
  EXPECT_EQ(decoded->received_at().nanos(), 500'000'000);
  EXPECT_EQ(decoded->gateway_id(), "gw-1");
}

TEST(TaskBuilderTest, InitTaskCarriesTheRequestAndCallMetadata) {
  v1::InitializeSessionRequest request;
  request.set_project_id("proj");
  request.set_client_version("1.2.3");
  v1::Task task = BuildInitializeSessionTask(request, "proj.x", Call());
  auto decoded = DecodeTask(EncodeTask(task));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->session_id(), "proj.x");
  EXPECT_EQ(decoded->init().request().client_version(), "1.2.3");
  EXPECT_EQ(decoded->init().peer_ip(), "10.1.2.3");
  EXPECT_EQ(decoded->init().user_agent(), "agent/1");
}

}  // namespace
}  // namespace ingest
