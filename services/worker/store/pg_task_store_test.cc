#include "services/worker/store/pg_task_store.h"

#include "gtest/gtest.h"
#include "services/common/codec/task_codec.h"
#include "services/common/pg/migrations.h"
#include "services/common/pg/testing/test_database.h"

namespace ingest {
namespace {

constexpr char kTopic[] = "ingest.tasks";

TaskRecord Payload(int64_t offset, const std::string& session, uint64_t payload_id,
                   const std::string& events) {
  TaskRecord record;
  record.offset = offset;
  v1::Task& task = record.task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(v1::TASK_TYPE_PUSH_PAYLOAD);
  task.set_project_id("proj");
  task.set_session_id(session);
  task.set_payload_id(payload_id);
  task.set_chunk_count(1);
  task.mutable_received_at()->set_seconds(1700000000);
  task.mutable_payload()->mutable_content()->set_events(events);
  return record;
}

TaskRecord Init(int64_t offset, const std::string& session) {
  TaskRecord record;
  record.offset = offset;
  record.task.set_schema_version(kTaskSchemaVersion);
  record.task.set_type(v1::TASK_TYPE_INITIALIZE_SESSION);
  record.task.set_project_id("proj");
  record.task.set_session_id(session);
  record.task.mutable_init()->mutable_request()->set_client_version("sdk/9");
  record.task.mutable_init()->set_user_agent("test-agent");
  return record;
}

class PgTaskStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value();
    db_ = database_->Connect();
    ASSERT_TRUE(ApplyMigrations(*db_, absl::Seconds(5)).ok());
    store_ = CreatePgTaskStore({.dsn = database_->dsn(), .lock_timeout = absl::Milliseconds(300)});
  }

  std::string One(const char* sql) {
    auto result = db_->Query(sql, {});
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() && PQntuples(result->get()) > 0 ? PQgetvalue(result->get(), 0, 0) : "";
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<PgConnection> db_;
  std::unique_ptr<TaskStore> store_;
};

TEST_F(PgTaskStoreTest, PersistsRowsAndOffsetTogether) {
  std::vector<TaskRecord> batch = {Init(10, "s1"), Payload(11, "s1", 1, "aa"),
                                   Payload(12, "s1", 2, "bbb")};
  ASSERT_TRUE(store_->PersistBatch(kTopic, 3, batch, 13).ok());

  EXPECT_EQ(One("SELECT count(*) FROM session_payloads WHERE session_id = 's1'"), "2");
  EXPECT_EQ(One("SELECT payload_count || '/' || last_payload_id || '/' || user_agent "
                "FROM sessions WHERE session_id = 's1'"),
            "2/2/test-agent");
  auto offsets = store_->LoadNextOffsets(kTopic, {3, 4});
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  EXPECT_EQ(*offsets, (PartitionOffsets{{3, 13}}));
}

TEST_F(PgTaskStoreTest, ReplayingABatchChangesNothing) {
  std::vector<TaskRecord> batch = {Payload(0, "s1", 1, "aa"), Payload(1, "s1", 2, "bb")};
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, batch, 2).ok());
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, batch, 2).ok());
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads"), "2");
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's1'"), "2");
}

TEST_F(PgTaskStoreTest, PayloadBeforeInitCreatesTheSessionAndInitFillsItLater) {
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {Payload(0, "s2", 1, "x")}, 1).ok());
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's2'"), "1");
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {Init(1, "s2")}, 2).ok());
  EXPECT_EQ(One("SELECT client_version || '/' || payload_count FROM sessions "
                "WHERE session_id = 's2'"),
            "sdk/9/1");
}

TEST_F(PgTaskStoreTest, CountsPayloadIdGapsWithoutInventingPayloads) {
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {Payload(0, "s3", 1, "a"), Payload(1, "s3", 4, "b")},
                                   2).ok());
  EXPECT_EQ(One("SELECT payload_id_gaps || '/' || payload_count FROM sessions "
                "WHERE session_id = 's3'"),
            "2/2");
}

TEST_F(PgTaskStoreTest, OffsetNeverMovesBackwards) {
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {Payload(5, "s4", 1, "a")}, 6).ok());
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {Payload(2, "s4", 1, "a")}, 3).ok());
  auto offsets = store_->LoadNextOffsets(kTopic, {0});
  ASSERT_TRUE(offsets.ok());
  EXPECT_EQ(offsets->at(0), 6);
}

TEST_F(PgTaskStoreTest, LockedTableFailsRetriablyAndStoresNothing) {
  auto locker = database_->Connect();
  ASSERT_TRUE(locker->Exec("BEGIN; LOCK TABLE session_payloads IN ACCESS EXCLUSIVE MODE").ok());
  absl::Status status = store_->PersistBatch(kTopic, 0, {Payload(0, "s5", 1, "a")}, 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  ASSERT_TRUE(locker->Exec("ROLLBACK").ok());
  EXPECT_EQ(One("SELECT count(*) FROM consumer_offsets"), "0");
  // The same store recovers on the next attempt.
  EXPECT_TRUE(store_->PersistBatch(kTopic, 0, {Payload(0, "s5", 1, "a")}, 1).ok());
}

TaskRecord Typed(int64_t offset, const std::string& session, v1::TaskType type) {
  TaskRecord record;
  record.offset = offset;
  record.task.set_schema_version(kTaskSchemaVersion);
  record.task.set_type(type);
  record.task.set_project_id("proj");
  record.task.set_session_id(session);
  record.task.mutable_received_at()->set_seconds(1700000000);
  return record;
}

TEST_F(PgTaskStoreTest, IdentifyAndPropertiesCreateOrUpdateTheSession) {
  TaskRecord identify = Typed(0, "s6", v1::TASK_TYPE_IDENTIFY_SESSION);
  identify.task.mutable_identify()->set_user_identifier("ada@example.com");
  (*identify.task.mutable_identify()->mutable_user_object())["plan"] = "pro";
  TaskRecord first = Typed(1, "s6", v1::TASK_TYPE_ADD_SESSION_PROPERTIES);
  (*first.task.mutable_properties()->mutable_properties())["a"] = "1";
  (*first.task.mutable_properties()->mutable_properties())["b"] = "\"quoted\", {braces}";
  TaskRecord second = Typed(2, "s6", v1::TASK_TYPE_ADD_SESSION_PROPERTIES);
  (*second.task.mutable_properties()->mutable_properties())["a"] = "2";
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {identify, first, second}, 3).ok());
  EXPECT_EQ(One("SELECT user_identifier || ' ' || (user_object->>'plan') FROM sessions "
                "WHERE session_id = 's6'"),
            "ada@example.com pro");
  EXPECT_EQ(One("SELECT (properties->>'a') || '|' || (properties->>'b') FROM sessions "
                "WHERE session_id = 's6'"),
            "2|\"quoted\", {braces}");
}

TEST_F(PgTaskStoreTest, FeedbackErrorsAndMetricsAreStoredOncePerRecord) {
  TaskRecord feedback = Typed(0, "s7", v1::TASK_TYPE_ADD_SESSION_FEEDBACK);
  feedback.task.mutable_feedback()->set_verbatim("great");
  feedback.task.mutable_feedback()->set_timestamp_ms(1700000000123);
  TaskRecord errors = Typed(1, "", v1::TASK_TYPE_PUSH_BACKEND_ERRORS);
  errors.task.mutable_backend_errors()->add_errors()->set_event("boom");
  errors.task.mutable_backend_errors()->add_errors()->set_event("bang");
  TaskRecord metrics = Typed(2, "s7", v1::TASK_TYPE_PUSH_METRICS);
  v1::Metric* metric = metrics.task.mutable_metrics()->add_metrics();
  metric->set_session_id("s7");
  metric->set_name("lcp");
  metric->set_value(2.5);
  (*metric->mutable_tags())["page"] = "/home";
  std::vector<TaskRecord> batch = {feedback, errors, metrics};
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, batch, 3).ok());
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, batch, 3).ok()) << "replay";
  EXPECT_EQ(One("SELECT count(*) || ' ' || min(verbatim) FROM session_feedback"), "1 great");
  EXPECT_EQ(One("SELECT count(*) || ' ' || count(session_id) FROM backend_errors"), "2 0");
  EXPECT_EQ(One("SELECT name || '=' || value || ' ' || (tags->>'page') FROM metrics"),
            "lcp=2.5 /home");
  EXPECT_EQ(One("SELECT count(*) FROM sessions WHERE session_id = 's7'"), "1");
}

TEST_F(PgTaskStoreTest, StreamedPayloadIsStoredChunkWiseAndCountedOnce) {
  std::vector<TaskRecord> chunks;
  const std::string parts[] = {"abc", "def", "g"};
  for (uint32_t i = 0; i < 3; ++i) {
    TaskRecord chunk = Typed(i, "s8", v1::TASK_TYPE_PUSH_PAYLOAD);
    chunk.task.set_payload_id(1);
    chunk.task.set_chunk_index(i);
    chunk.task.set_chunk_count(3);
    chunk.task.mutable_payload()->set_chunk_data(parts[i]);
    chunk.task.mutable_payload()->set_total_bytes(7);
    chunks.push_back(chunk);
  }
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, chunks, 3).ok());
  EXPECT_EQ(One("SELECT string_agg(convert_from(data, 'UTF8'), '' ORDER BY chunk_index) "
                "FROM session_payloads WHERE session_id = 's8'"),
            "abcdefg");
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's8'"), "1");
}

TaskRecord Chunk(int64_t offset, const std::string& session, uint32_t index, uint32_t count,
                 const std::string& data) {
  TaskRecord chunk = Typed(offset, session, v1::TASK_TYPE_PUSH_PAYLOAD);
  chunk.task.set_payload_id(1);
  chunk.task.set_chunk_index(index);
  chunk.task.set_chunk_count(count);
  chunk.task.mutable_payload()->set_chunk_data(data);
  chunk.task.mutable_payload()->set_total_bytes(data.size() * count);
  return chunk;
}

TEST_F(PgTaskStoreTest, SingleChunkStreamIsStoredWithItsBytes) {
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {Chunk(0, "s9", 0, 1, "only")}, 1).ok());
  EXPECT_EQ(One("SELECT convert_from(data, 'UTF8') || ' ' || raw_size FROM session_payloads "
                "WHERE session_id = 's9'"),
            "only 4");
}

TEST_F(PgTaskStoreTest, ResentStreamReplacesChunksLeftByARefusedAttempt) {
  // Attempt 1 was refused after two of three chunks; the resend writes all
  // three, later in the partition.
  std::vector<TaskRecord> records = {Chunk(0, "s10", 0, 3, "old"), Chunk(1, "s10", 1, 3, "old"),
                                     Chunk(2, "s10", 0, 3, "new"), Chunk(3, "s10", 1, 3, "new"),
                                     Chunk(4, "s10", 2, 3, "new")};
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, records, 5).ok());
  EXPECT_EQ(One("SELECT string_agg(convert_from(data, 'UTF8'), '' ORDER BY chunk_index) "
                "FROM session_payloads WHERE session_id = 's10'"),
            "newnewnew");
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's10'"), "1");
  // Replaying the old records (earlier offsets) changes nothing.
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {records[0], records[1]}, 5).ok());
  EXPECT_EQ(One("SELECT string_agg(convert_from(data, 'UTF8'), '' ORDER BY chunk_index) "
                "FROM session_payloads WHERE session_id = 's10'"),
            "newnewnew");
}

TEST_F(PgTaskStoreTest, ShorterResendDropsLeftoverChunks) {
  std::vector<TaskRecord> records = {Chunk(0, "s11", 0, 3, "aa"), Chunk(1, "s11", 1, 3, "aa"),
                                     Chunk(2, "s11", 2, 3, "aa"), Chunk(3, "s11", 0, 2, "bb"),
                                     Chunk(4, "s11", 1, 2, "bb")};
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, records, 5).ok());
  EXPECT_EQ(One("SELECT string_agg(convert_from(data, 'UTF8'), '' ORDER BY chunk_index) "
                "FROM session_payloads WHERE session_id = 's11'"),
            "bbbb");
}

TEST_F(PgTaskStoreTest, WholePayloadDuplicateKeepsTheFirstBytes) {
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {Payload(0, "s12", 1, "first")}, 1).ok());
  ASSERT_TRUE(store_->PersistBatch(kTopic, 0, {Payload(1, "s12", 1, "second")}, 2).ok());
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads WHERE session_id = 's12'"), "1");
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's12'"), "1");
}

TEST_F(PgTaskStoreTest, UnreachableDatabaseIsUnavailable) {
  auto store = CreatePgTaskStore({.dsn = "host=127.0.0.1 port=1 dbname=x connect_timeout=1",
                                  .connect_timeout = absl::Seconds(1)});
  EXPECT_EQ(store->PersistBatch(kTopic, 0, {Payload(0, "s", 1, "a")}, 1).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->LoadNextOffsets(kTopic, {0}).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
