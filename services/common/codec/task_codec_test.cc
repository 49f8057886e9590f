#include "services/common/codec/task_codec.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

v1::Task PayloadTask() {
  v1::Task task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(v1::TASK_TYPE_PUSH_PAYLOAD);
  task.set_project_id("p");
  task.set_session_id("p.abc");
  task.set_payload_id(3);
  task.set_chunk_count(1);
  task.mutable_payload()->mutable_content()->set_events("[1,2,3]");
  return task;
}

TEST(TaskCodecTest, RoundTripsAPayloadTask) {
  auto decoded = DecodeTask(EncodeTask(PayloadTask()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->payload().content().events(), "[1,2,3]");
  EXPECT_EQ(decoded->payload_id(), 3u);
}

TEST(TaskCodecTest, KeepsUnknownFieldsFromNewerWriters) {
  std::string bytes = EncodeTask(PayloadTask());
  // Field 999, varint 7: a field this build does not know.
  bytes += std::string("\xb8\x3e\x07", 3);
  auto decoded = DecodeTask(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(EncodeTask(*decoded), bytes);
}

TEST(TaskCodecTest, ReceivedAtRoundTripsToTheNanosecond) {
  v1::Task task;
  const absl::Time time = absl::FromUnixNanos(1'700'000'000'123'456'789);
  SetReceivedAt(time, &task);
  EXPECT_EQ(task.received_at().seconds(), 1'700'000'000);
  EXPECT_EQ(task.received_at().nanos(), 123'456'789);
  EXPECT_EQ(ReceivedAt(task), time);
}

TEST(TaskCodecTest, RejectsGarbage) {
  EXPECT_EQ(DecodeTask("\xff\xff\xff").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TaskCodecTest, RejectsFutureSchemaVersionWithAnActionableReason) {
  v1::Task task = PayloadTask();
  task.set_schema_version(kTaskSchemaVersion + 1);
  auto decoded = DecodeTask(EncodeTask(task));
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("upgrade the worker"), absl::string_view::npos);
}

TEST(TaskCodecTest, RejectsMissingIdsAndMismatchedBodies) {
  v1::Task no_session = PayloadTask();
  no_session.clear_session_id();
  EXPECT_FALSE(DecodeTask(EncodeTask(no_session)).ok());

  v1::Task no_body = PayloadTask();
  no_body.clear_payload();
  EXPECT_FALSE(DecodeTask(EncodeTask(no_body)).ok());

  v1::Task zero_id = PayloadTask();
  zero_id.set_payload_id(0);
  EXPECT_FALSE(DecodeTask(EncodeTask(zero_id)).ok());

  v1::Task bad_chunk = PayloadTask();
  bad_chunk.set_chunk_index(1);
  EXPECT_FALSE(DecodeTask(EncodeTask(bad_chunk)).ok());

  v1::Task unknown_type = PayloadTask();
  unknown_type.set_type(static_cast<v1::TaskType>(42));
  EXPECT_FALSE(DecodeTask(EncodeTask(unknown_type)).ok());
}

// A stored-form payload (the gateway's since schema 2) must describe its
// bytes consistently; the worker writes them without looking inside.
TEST(TaskCodecTest, StoredFormIsCheckedForConsistency) {
  const auto stored = [] {
    v1::Task task = PayloadTask();
    task.mutable_payload()->clear_content();
    task.mutable_payload()->set_storage_encoding(v1::STORAGE_ENCODING_RAW);
    task.mutable_payload()->set_stored_data("abc");
    task.mutable_payload()->set_raw_size(3);
    task.mutable_payload()->set_raw_sha256(std::string(32, 'h'));
    return task;
  };
  EXPECT_TRUE(DecodeTask(EncodeTask(stored())).ok());

  v1::Task short_digest = stored();
  short_digest.mutable_payload()->set_raw_sha256("h");
  v1::Task both_forms = stored();
  both_forms.mutable_payload()->mutable_content()->set_events("e");
  v1::Task wrong_size = stored();
  wrong_size.mutable_payload()->set_raw_size(4);
  v1::Task unknown_encoding = stored();
  unknown_encoding.mutable_payload()->set_storage_encoding(static_cast<v1::StorageEncoding>(7));
  v1::Task no_digest = stored();
  no_digest.mutable_payload()->clear_raw_sha256();
  v1::Task past_total = stored();
  past_total.mutable_payload()->set_total_bytes(10);
  past_total.mutable_payload()->set_chunk_offset(8);
  for (const v1::Task& bad :
       {short_digest, both_forms, wrong_size, unknown_encoding, no_digest, past_total}) {
    EXPECT_EQ(DecodeTask(EncodeTask(bad)).status().code(), absl::StatusCode::kInvalidArgument)
        << bad.payload().ShortDebugString();
  }
}

TEST(TaskCodecTest, SessionIsOptionalOnlyForBackendErrorsAndMetrics) {
  v1::Task errors;
  errors.set_schema_version(kTaskSchemaVersion);
  errors.set_type(v1::TASK_TYPE_PUSH_BACKEND_ERRORS);
  errors.set_project_id("p");
  errors.mutable_backend_errors()->add_errors()->set_event("boom");
  EXPECT_TRUE(DecodeTask(EncodeTask(errors)).ok());

  v1::Task identify;
  identify.set_schema_version(kTaskSchemaVersion);
  identify.set_type(v1::TASK_TYPE_IDENTIFY_SESSION);
  identify.set_project_id("p");
  identify.mutable_identify()->set_user_identifier("u");
  EXPECT_FALSE(DecodeTask(EncodeTask(identify)).ok());
  identify.set_session_id("s");
  EXPECT_TRUE(DecodeTask(EncodeTask(identify)).ok());
}

TEST(TaskCodecTest, LastChunkMustCarryTheDigest) {
  v1::Task chunk = PayloadTask();
  chunk.set_chunk_count(3);
  chunk.set_chunk_index(2);
  EXPECT_FALSE(DecodeTask(EncodeTask(chunk)).ok());
  chunk.mutable_payload()->set_sha256(std::string(32, 'x'));
  EXPECT_TRUE(DecodeTask(EncodeTask(chunk)).ok());
  chunk.set_chunk_index(1);
  chunk.mutable_payload()->clear_sha256();
  EXPECT_TRUE(DecodeTask(EncodeTask(chunk)).ok()) << "middle chunks carry no digest";
}

}  // namespace
}  // namespace ingest
