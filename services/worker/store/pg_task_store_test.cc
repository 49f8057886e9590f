#include "services/worker/store/pg_task_store.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/codec/task_codec.h"
#include "services/common/crypto/sha256.h"
#include "services/common/payload/stored_form.h"
#include "services/common/pg/testing/migrated_database_test.h"
#include "services/common/status/pg_status.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/stored_payload.h"

namespace ingest {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kTopic[] = "ingest.tasks";

TaskRecord Typed(int64_t offset, const std::string& session, v1::TaskType type) {
  TaskRecord record;
  record.offset = offset;
  record.task.set_schema_version(kTaskSchemaVersion);
  record.task.set_type(type);
  record.task.set_project_id("proj");
  record.task.set_session_id(session);
  record.task.mutable_received_at()->set_seconds(1700000000);
  // Kept ten years: the fixed 2023 receive time is within its retention.
  record.task.set_retention_days(3650);
  return record;
}

TaskRecord Payload(int64_t offset, const std::string& session, uint64_t payload_id,
                   const std::string& events) {
  TaskRecord record = Typed(offset, session, v1::TASK_TYPE_PUSH_PAYLOAD);
  record.task.set_payload_id(payload_id);
  record.task.set_chunk_count(1);
  record.task.mutable_payload()->mutable_content()->set_events(events);
  return record;
}

TaskRecord Init(int64_t offset, const std::string& session) {
  TaskRecord record = Typed(offset, session, v1::TASK_TYPE_INITIALIZE_SESSION);
  record.task.mutable_init()->mutable_request()->set_client_version("sdk/9");
  record.task.mutable_init()->set_user_agent("test-agent");
  return record;
}

// Chunk `index` of a streamed payload 1 whose chunks are `parts`; the last
// chunk declares the digest of all of them, as the gateway does.
TaskRecord Chunk(int64_t offset, const std::string& session, uint32_t index,
                 const std::vector<std::string>& parts) {
  TaskRecord chunk = Typed(offset, session, v1::TASK_TYPE_PUSH_PAYLOAD);
  chunk.task.set_payload_id(1);
  chunk.task.set_chunk_index(index);
  chunk.task.set_chunk_count(static_cast<uint32_t>(parts.size()));
  std::string whole;
  for (const std::string& part : parts) whole += part;
  chunk.task.mutable_payload()->set_chunk_data(parts[index]);
  chunk.task.mutable_payload()->set_total_bytes(whole.size());
  if (index + 1 == parts.size()) chunk.task.mutable_payload()->set_sha256(Sha256(whole));
  return chunk;
}

// `record` as a gateway since task schema 2 produces it: in stored form.
TaskRecord InStoredForm(TaskRecord record) {
  v1::Payload* payload = record.task.mutable_payload();
  const std::string raw = payload->total_bytes() > 0 ? payload->chunk_data()
                                                     : payload->content().SerializeAsString();
  payload->clear_content();
  payload->clear_chunk_data();
  SetStoredForm(raw, /*compress=*/true, 1, payload);
  return record;
}

TaskRecord Poison(int64_t offset, const std::string& session) {
  TaskRecord record;
  record.offset = offset;
  DeadLetter letter;
  letter.partition = -1;  // the store fills in where the record came from
  letter.key = session;
  letter.value = "\xff\xfe not a task";
  letter.session_id = session;
  letter.project_id = "proj";
  letter.reason = DeadLetterReason::kInvalidRecord;
  letter.detail = "undecodable";
  letter.quarantines_session = true;
  record.dead_letter = letter;
  return record;
}

class PgTaskStoreTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = CreatePgTaskStore({.dsn = database_->dsn(), .lock_timeout = absl::Milliseconds(300)});
  }

  // Persists one partition's batch; the sink records what it was given.
  absl::StatusOr<PersistOutcome> Persist(int32_t partition, std::vector<TaskRecord> records,
                                         int64_t next_offset) {
    return PersistAll({PartitionBatch{partition, std::move(records), next_offset}});
  }

  absl::StatusOr<PersistOutcome> PersistAll(std::vector<PartitionBatch> batches) {
    return store_->PersistBatches(kTopic, batches, [this](absl::Span<const DeadLetter> letters) {
      sunk_.insert(sunk_.end(), letters.begin(), letters.end());
      return sink_status_;
    });
  }

  std::string One(const char* sql) {
    auto result = db_->Query(sql, {});
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() && PQntuples(result->get()) > 0 ? PQgetvalue(result->get(), 0, 0) : "";
  }

  // The uncompressed bytes of the session's payload rows in chunk order.
  std::string StoredBytes(const std::string& session, uint64_t payload_id) {
    auto result = db_->Query(
        "SELECT storage_encoding, raw_size, data FROM session_payloads "
        "WHERE session_id = $1 AND payload_id = $2::bigint ORDER BY chunk_index",
        {PgParam::Text(session), PgParam::Int(static_cast<int64_t>(payload_id))},
        PgFormat::kBinary);
    EXPECT_TRUE(result.ok()) << result.status();
    std::string bytes;
    for (int row = 0; result.ok() && row < PQntuples(result->get()); ++row) {
      auto raw = DecodeStoredData(static_cast<int>(BinaryValueInt(result->get(), row, 0)),
                                  BinaryValueBytes(result->get(), row, 2),
                                  BinaryValueInt(result->get(), row, 1));
      EXPECT_TRUE(raw.ok()) << raw.status();
      if (raw.ok()) bytes += *raw;
    }
    return bytes;
  }

  std::string Events(const std::string& session, uint64_t payload_id) {
    v1::PayloadContent content;
    EXPECT_TRUE(content.ParseFromString(StoredBytes(session, payload_id)));
    return content.events();
  }

  std::unique_ptr<TaskStore> store_;
  std::vector<DeadLetter> sunk_;
  absl::Status sink_status_;
};

TEST_F(PgTaskStoreTest, PersistsRowsAndOffsetTogether) {
  auto outcome = Persist(3, {Init(10, "s1"), Payload(11, "s1", 1, "aa"), Payload(12, "s1", 2, "bbb")},
                         13);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->rows_written, 3);
  EXPECT_TRUE(sunk_.empty()) << "no dead letters, no sink call";

  EXPECT_EQ(One("SELECT count(*) FROM session_payloads WHERE session_id = 's1'"), "2");
  EXPECT_EQ(One("SELECT payload_count || '/' || last_payload_id || '/' || user_agent "
                "FROM sessions WHERE session_id = 's1'"),
            "2/2/test-agent");
  auto offsets = store_->LoadNextOffsets(kTopic, {3, 4});
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  EXPECT_EQ(*offsets, (PartitionOffsets{{3, 13}}));
}

TEST_F(PgTaskStoreTest, DataIsStoredCompressedWithTheDigestOfTheOriginal) {
  const std::string events(50'000, 'e');
  ASSERT_TRUE(Persist(0, {Payload(0, "c1", 1, events)}, 1).ok());
  EXPECT_EQ(One("SELECT storage_encoding || ' ' || raw_size || ' ' || "
                "(octet_length(data) < raw_size / 10) FROM session_payloads"),
            absl::StrCat("1 ", Payload(0, "c1", 1, events).task.payload().content().ByteSizeLong(),
                         " true"));
  EXPECT_EQ(One("SELECT encode(data_sha256, 'hex') FROM session_payloads"),
            Sha256Hex(Payload(0, "c1", 1, events).task.payload().content().SerializeAsString()));
  EXPECT_EQ(Events("c1", 1), events);
}

TEST_F(PgTaskStoreTest, ReplayingABatchChangesNothing) {
  std::vector<TaskRecord> batch = {Payload(0, "s1", 1, "aa"), Payload(1, "s1", 2, "bb")};
  ASSERT_TRUE(Persist(0, batch, 2).ok());
  auto replay = Persist(0, batch, 2);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->duplicates_ignored, 2);
  EXPECT_EQ(replay->rows_written, 0);
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads"), "2");
  EXPECT_EQ(One("SELECT payload_count || '/' || payload_id_gaps FROM sessions "
                "WHERE session_id = 's1'"),
            "2/0");
}

TEST_F(PgTaskStoreTest, ExactDuplicateInTheSameBatchIsIgnored) {
  auto outcome = Persist(0, {Payload(0, "d1", 1, "same"), Payload(1, "d1", 1, "same")}, 2);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->duplicates_ignored, 1);
  EXPECT_TRUE(sunk_.empty());
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads"), "1");
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 'd1'"), "1");
}

// A retry with other bytes under a stored payload id: only that record goes
// to the DLQ; the session is flagged, not quarantined, and flows on.
TEST_F(PgTaskStoreTest, ConflictingDuplicateGoesToTheDlqAloneAndFlagsItsSession) {
  ASSERT_TRUE(Persist(0, {Payload(0, "s12", 1, "first")}, 1).ok());
  auto outcome = Persist(0, {Payload(1, "s12", 2, "fine"), Payload(2, "s12", 1, "second")}, 3);
  ASSERT_TRUE(outcome.ok()) << outcome.status();

  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_EQ(sunk_[0].reason, DeadLetterReason::kConflictingDuplicate);
  EXPECT_EQ(sunk_[0].offset, 2);
  EXPECT_FALSE(sunk_[0].quarantines_session);
  EXPECT_THAT(sunk_[0].detail,
              AllOf(HasSubstr("payload 1 of session s12"), HasSubstr("stored copy was kept")));
  EXPECT_EQ(Events("s12", 1), "first");
  EXPECT_EQ(Events("s12", 2), "fine");
  EXPECT_EQ(One("SELECT payload_count || '/' || conflicting_duplicates FROM sessions "
                "WHERE session_id = 's12'"),
            "2/1");
  EXPECT_EQ(One("SELECT count(*) FROM quarantined_sessions"), "0");
  ASSERT_TRUE(Persist(0, {Payload(3, "s12", 3, "later")}, 4).ok());
  EXPECT_EQ(Events("s12", 3), "later");
  EXPECT_EQ(One("SELECT next_offset FROM consumer_offsets"), "4");
}

TEST_F(PgTaskStoreTest, SinkFailureRollsBackEverythingIncludingTheOffset) {
  sink_status_ = absl::UnavailableError("broker down");
  auto outcome = Persist(0, {Init(0, "r1"), Payload(1, "r1", 1, "a"), Poison(2, "r2")}, 3);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable) << outcome.status();
  EXPECT_EQ(sunk_.size(), 1u);
  EXPECT_EQ(One("SELECT (SELECT count(*) FROM session_payloads) + (SELECT count(*) FROM sessions)"
                " + (SELECT count(*) FROM consumer_offsets)"
                " + (SELECT count(*) FROM quarantined_sessions)"),
            "0");
  // The same store commits the retry once the sink works again.
  sink_status_ = absl::OkStatus();
  ASSERT_TRUE(Persist(0, {Init(0, "r1"), Payload(1, "r1", 1, "a"), Poison(2, "r2")}, 3).ok());
  EXPECT_EQ(One("SELECT next_offset FROM consumer_offsets"), "3");
}

TEST_F(PgTaskStoreTest, QuarantineIsWrittenWithTheLetterAndLoadedBack) {
  auto outcome = Persist(4, {Payload(7, "q0", 1, "fine"), Poison(8, "q1")}, 9);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_EQ(sunk_[0].partition, 4);
  EXPECT_EQ(sunk_[0].offset, 8);
  EXPECT_EQ(sunk_[0].value, "\xff\xfe not a task");
  EXPECT_EQ(One("SELECT count(*) FROM sessions WHERE session_id = 'q1'"), "0")
      << "a dead-lettered record writes no rows";
  EXPECT_EQ(One("SELECT kafka_partition || '/' || first_offset || '/' || reason "
                "FROM quarantined_sessions WHERE session_id = 'q1'"),
            "4/8/invalid_record");
  // A later poison record of the same session keeps the first one's row.
  ASSERT_TRUE(Persist(4, {Poison(9, "q1")}, 10).ok());
  EXPECT_EQ(One("SELECT first_offset FROM quarantined_sessions"), "8");

  auto quarantined = store_->LoadQuarantinedSessions(kTopic, {4, 5});
  ASSERT_TRUE(quarantined.ok()) << quarantined.status();
  EXPECT_EQ(*quarantined, QuarantinedSessions{"q1"});
  EXPECT_TRUE(store_->LoadQuarantinedSessions(kTopic, {5})->empty());
  EXPECT_TRUE(store_->LoadQuarantinedSessions("other.topic", {4})->empty());
}

// A record that followed its session's quarantine to the DLQ.
TaskRecord Followed(int64_t offset, const std::string& session) {
  TaskRecord record = Poison(offset, session);
  record.dead_letter->reason = DeadLetterReason::kQuarantinedSession;
  record.dead_letter->quarantines_session = false;
  return record;
}

TEST_F(PgTaskStoreTest, RedriveBookkeepingFollowedMarkLiftAndRestart) {
  ASSERT_TRUE(Persist(2, {Poison(10, "rq"), Followed(11, "rq"), Followed(13, "rq")}, 14).ok());
  auto row = store_->LoadQuarantine(kTopic, "rq");
  ASSERT_TRUE(row.ok()) << row.status();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->redrive_id, "");
  EXPECT_EQ((*row)->followed_through, 13);
  ASSERT_TRUE(Persist(2, {Followed(14, "rq")}, 15).ok());
  EXPECT_EQ((*store_->LoadQuarantine(kTopic, "rq"))->followed_through, 14) << "only grows";
  EXPECT_FALSE(store_->LoadQuarantine(kTopic, "other")->has_value());

  // broker-proxy marks a redrive; a poison record of the session while it is
  // under way restarts the quarantine there.
  ASSERT_TRUE(db_->Exec("UPDATE quarantined_sessions SET redrive_id = 'rd-1'").ok());
  EXPECT_EQ((*store_->LoadQuarantine(kTopic, "rq"))->redrive_id, "rd-1");
  ASSERT_TRUE(Persist(2, {Payload(20, "rq", 1, "fine"), Poison(21, "rq")}, 22).ok());
  EXPECT_EQ(One("SELECT first_offset || '/' || coalesce(redrive_id, 'none') || '/' || "
                "coalesce(followed_through, -1) FROM quarantined_sessions"),
            "21/none/-1");

  // Without a redrive under way, a later poison record keeps the row.
  ASSERT_TRUE(Persist(2, {Poison(22, "rq")}, 23).ok());
  EXPECT_EQ(One("SELECT first_offset FROM quarantined_sessions"), "21");

  // A redrive's stored last record deletes the row with its rows.
  TaskRecord last = Payload(30, "rq", 2, "redriven");
  last.lifts_quarantine = true;
  ASSERT_TRUE(Persist(2, {std::move(last)}, 31).ok());
  EXPECT_EQ(One("SELECT count(*) FROM quarantined_sessions"), "0");
  EXPECT_EQ(Events("rq", 2), "redriven");
}

TEST_F(PgTaskStoreTest, ALiftOnADeadLetteredRecordIsIgnored) {
  ASSERT_TRUE(Persist(2, {Poison(10, "rl")}, 11).ok());
  TaskRecord last = Followed(12, "rl");
  last.lifts_quarantine = true;
  ASSERT_TRUE(Persist(2, {std::move(last)}, 13).ok());
  EXPECT_EQ(One("SELECT count(*) FROM quarantined_sessions"), "1");
}

TEST_F(PgTaskStoreTest, DeadLettersReachTheSinkInPartitionAndOffsetOrder) {
  ASSERT_TRUE(Persist(1, {Payload(0, "o1", 1, "kept")}, 1).ok());
  auto outcome = PersistAll({PartitionBatch{2, {Poison(5, "o2")}, 6},
                             PartitionBatch{1, {Poison(3, "o3"), Poison(4, "o4")}, 5}});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(sunk_.size(), 3u);
  EXPECT_EQ(std::make_pair(sunk_[0].partition, sunk_[0].offset), std::make_pair(1, int64_t{3}));
  EXPECT_EQ(std::make_pair(sunk_[1].partition, sunk_[1].offset), std::make_pair(1, int64_t{4}));
  EXPECT_EQ(std::make_pair(sunk_[2].partition, sunk_[2].offset), std::make_pair(2, int64_t{5}));
}

TEST_F(PgTaskStoreTest, MultiplePartitionsInOneCallSetEveryOffset) {
  auto outcome = PersistAll({PartitionBatch{0, {Payload(10, "m0", 1, "a")}, 11},
                             PartitionBatch{1, {Payload(20, "m1", 1, "b")}, 21}});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->rows_written, 2);
  auto offsets = store_->LoadNextOffsets(kTopic, {0, 1});
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  EXPECT_EQ(*offsets, (PartitionOffsets{{0, 11}, {1, 21}}));
  EXPECT_EQ(Events("m0", 1), "a");
  EXPECT_EQ(Events("m1", 1), "b");
}

TEST_F(PgTaskStoreTest, PayloadBeforeInitCreatesTheSessionAndInitFillsItLater) {
  ASSERT_TRUE(Persist(0, {Payload(0, "s2", 1, "x")}, 1).ok());
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's2'"), "1");
  ASSERT_TRUE(Persist(0, {Init(1, "s2")}, 2).ok());
  EXPECT_EQ(One("SELECT client_version || '/' || payload_count FROM sessions "
                "WHERE session_id = 's2'"),
            "sdk/9/1");
}

// Ids 1, 5, 3: after 3 arrives, 2 and 4 are still missing.
TEST_F(PgTaskStoreTest, PayloadIdGapsAreTheIdsStillMissing) {
  ASSERT_TRUE(Persist(0, {Payload(0, "g", 1, "a"), Payload(1, "g", 5, "e")}, 2).ok());
  EXPECT_EQ(One("SELECT payload_id_gaps FROM sessions WHERE session_id = 'g'"), "3");
  ASSERT_TRUE(Persist(0, {Payload(2, "g", 3, "c")}, 3).ok());
  EXPECT_EQ(One("SELECT payload_id_gaps FROM sessions WHERE session_id = 'g'"), "2");
  // In one call, and a replay of a stored id fills nothing twice.
  ASSERT_TRUE(Persist(0, {Payload(3, "g", 2, "b"), Payload(4, "g", 3, "c")}, 5).ok());
  EXPECT_EQ(One("SELECT payload_id_gaps || '/' || payload_count FROM sessions "
                "WHERE session_id = 'g'"),
            "1/4");
  ASSERT_TRUE(Persist(0, {Payload(5, "g", 4, "d")}, 6).ok());
  EXPECT_EQ(One("SELECT payload_id_gaps FROM sessions WHERE session_id = 'g'"), "0");
}

TEST_F(PgTaskStoreTest, CountsPayloadIdGapsWithoutInventingPayloads) {
  auto outcome = Persist(0, {Payload(0, "s3", 1, "a"), Payload(1, "s3", 4, "b")}, 2);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->payload_id_gaps, 2);
  EXPECT_EQ(One("SELECT payload_id_gaps || '/' || payload_count || '/' || last_payload_id "
                "FROM sessions WHERE session_id = 's3'"),
            "2/2/4");
  // A late payload below last_payload_id fills its gap and keeps the last id.
  outcome = Persist(0, {Payload(2, "s3", 3, "late")}, 3);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->payload_id_gaps, 0);
  EXPECT_EQ(One("SELECT payload_id_gaps || '/' || payload_count || '/' || last_payload_id "
                "FROM sessions WHERE session_id = 's3'"),
            "1/3/4");
  // has_unloaded sticks once a payload says so.
  TaskRecord unload = Payload(3, "s3", 5, "bye");
  unload.task.mutable_payload()->set_has_session_unloaded(true);
  ASSERT_TRUE(Persist(0, {unload, Payload(4, "s3", 6, "after")}, 5).ok());
  EXPECT_EQ(One("SELECT has_unloaded FROM sessions WHERE session_id = 's3'"), "t");
}

TEST_F(PgTaskStoreTest, OffsetNeverMovesBackwards) {
  ASSERT_TRUE(Persist(0, {Payload(5, "s4", 1, "a")}, 6).ok());
  ASSERT_TRUE(Persist(0, {Payload(2, "s4", 1, "a")}, 3).ok());
  auto offsets = store_->LoadNextOffsets(kTopic, {0});
  ASSERT_TRUE(offsets.ok());
  EXPECT_EQ(offsets->at(0), 6);
}

TEST_F(PgTaskStoreTest, LockedTableFailsRetriablyWithinTheLockTimeout) {
  auto locker = database_->Connect();
  ASSERT_TRUE(locker->Exec("BEGIN; LOCK TABLE session_payloads IN ACCESS EXCLUSIVE MODE").ok());
  const absl::Time start = absl::Now();
  auto outcome = Persist(0, {Payload(0, "s5", 1, "a")}, 1);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable) << outcome.status();
  EXPECT_TRUE(IsRetriablePgError(outcome.status()));
  EXPECT_NE(outcome.status().message().find("55P03"), absl::string_view::npos);
  // 300 ms lock timeout; far below the 30 s statement timeout.
  EXPECT_LT(took, absl::Seconds(5));
  ASSERT_TRUE(locker->Exec("ROLLBACK").ok());
  EXPECT_EQ(One("SELECT count(*) FROM consumer_offsets"), "0");
  // The same store recovers on the next attempt.
  EXPECT_TRUE(Persist(0, {Payload(0, "s5", 1, "a")}, 1).ok());
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
  ASSERT_TRUE(Persist(0, {identify, first, second}, 3).ok());
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
  auto outcome = Persist(0, batch, 3);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->rows_written, 3);
  outcome = Persist(0, batch, 3);
  ASSERT_TRUE(outcome.ok()) << "replay: " << outcome.status();
  EXPECT_EQ(outcome->rows_written, 0);
  EXPECT_EQ(One("SELECT count(*) || ' ' || min(verbatim) FROM session_feedback"), "1 great");
  EXPECT_EQ(One("SELECT count(*) || ' ' || count(session_id) FROM backend_errors"), "2 0");
  EXPECT_EQ(One("SELECT name || '=' || value || ' ' || (tags->>'page') FROM metrics"),
            "lcp=2.5 /home");
  EXPECT_EQ(One("SELECT count(*) FROM sessions WHERE session_id = 's7'"), "1");
}

// A copy of a record that a redrive or replay produced at a new offset,
// carrying where the original first was.
TaskRecord CopyAt(int64_t offset, TaskRecord original, int32_t partition) {
  original.first = {partition, original.offset};
  original.offset = offset;
  return original;
}

TEST_F(PgTaskStoreTest, ACopyAtANewOffsetWritesNoSecondRow) {
  TaskRecord feedback = Typed(0, "s8", v1::TASK_TYPE_ADD_SESSION_FEEDBACK);
  feedback.task.mutable_feedback()->set_verbatim("great");
  TaskRecord errors = Typed(1, "s8", v1::TASK_TYPE_PUSH_BACKEND_ERRORS);
  errors.task.mutable_backend_errors()->add_errors()->set_event("boom");
  TaskRecord metrics = Typed(2, "s8", v1::TASK_TYPE_PUSH_METRICS);
  metrics.task.mutable_metrics()->add_metrics()->set_name("lcp");
  ASSERT_TRUE(Persist(3, {feedback, errors, metrics}, 3).ok());

  auto copies = Persist(3, {CopyAt(10, feedback, 3), CopyAt(11, errors, 3), CopyAt(12, metrics, 3)},
                        13);
  ASSERT_TRUE(copies.ok()) << copies.status();
  EXPECT_EQ(copies->rows_written, 0);
  EXPECT_EQ(One("SELECT count(*) || ' at ' || min(kafka_partition) || ':' || min(kafka_offset) "
                "FROM session_feedback"),
            "1 at 3:0");
  EXPECT_EQ(One("SELECT count(*) || ' at ' || min(kafka_offset) FROM backend_errors"), "1 at 1");
  EXPECT_EQ(One("SELECT count(*) || ' at ' || min(kafka_offset) FROM metrics"), "1 at 2");

  // The same words sent again by the SDK are a new record: stored.
  auto resent = Persist(3, {Typed(13, "s8", v1::TASK_TYPE_ADD_SESSION_FEEDBACK)}, 14);
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(resent->rows_written, 1);
  EXPECT_EQ(One("SELECT count(*) FROM session_feedback"), "2");
}

TEST_F(PgTaskStoreTest, AnOlderIdentifyOrPropertiesRecordDoesNotUndoANewerOne) {
  auto identify = [](int64_t offset, const std::string& user) {
    TaskRecord record = Typed(offset, "s9", v1::TASK_TYPE_IDENTIFY_SESSION);
    record.task.mutable_identify()->set_user_identifier(user);
    return record;
  };
  auto properties = [](int64_t offset, const std::string& a) {
    TaskRecord record = Typed(offset, "s9", v1::TASK_TYPE_ADD_SESSION_PROPERTIES);
    (*record.task.mutable_properties()->mutable_properties())["a"] = a;
    return record;
  };
  const TaskRecord old_identify = identify(0, "old@example.com");
  const TaskRecord old_properties = properties(1, "1");
  ASSERT_TRUE(Persist(0, {old_identify, old_properties, identify(2, "new@example.com"),
                          properties(3, "2")},
                      4)
                  .ok());

  // A replay of the first two records, at new offsets.
  auto replayed = Persist(0, {CopyAt(10, old_identify, 0), CopyAt(11, old_properties, 0)}, 12);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->rows_written, 0);
  EXPECT_EQ(One("SELECT user_identifier || ' a=' || (properties->>'a') || ' at ' || "
                "identify_offset || '/' || properties_offset FROM sessions "
                "WHERE session_id = 's9'"),
            "new@example.com a=2 at 2/3");

  // Newer records apply, and so does one from another partition (the topic
  // was repartitioned: positions there do not compare).
  ASSERT_TRUE(Persist(0, {identify(12, "newest@example.com")}, 13).ok());
  EXPECT_EQ(One("SELECT user_identifier FROM sessions WHERE session_id = 's9'"),
            "newest@example.com");
  ASSERT_TRUE(Persist(1, {properties(0, "3")}, 1).ok());
  EXPECT_EQ(One("SELECT (properties->>'a') || ' at ' || properties_partition || ':' || "
                "properties_offset FROM sessions WHERE session_id = 's9'"),
            "3 at 1:0");
}

TEST_F(PgTaskStoreTest, StreamedPayloadIsCompletedAcrossCallsAndCountedOnce) {
  const std::vector<std::string> parts = {"abc", "def", "g"};
  auto first = Persist(0, {Chunk(0, "s8", 0, parts), Chunk(1, "s8", 1, parts)}, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->streams_completed, 0);
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's8'"), "0")
      << "not counted before it is complete";
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads"), "0")
      << "an incomplete stream's chunks are not payload data";
  EXPECT_EQ(One("SELECT count(*) FROM stream_chunks"), "2");

  auto last = Persist(0, {Chunk(2, "s8", 2, parts)}, 3);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->streams_completed, 1);
  EXPECT_TRUE(sunk_.empty());
  EXPECT_EQ(StoredBytes("s8", 1), "abcdefg");
  EXPECT_EQ(One("SELECT min(storage_encoding) FROM session_payloads"), "1");
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's8'"), "1");
  EXPECT_EQ(One("SELECT chunk_count || '/' || raw_size || '/' || kafka_offset FROM "
                "payload_streams WHERE session_id = 's8' AND payload_id = 1"),
            "3/7/2");
  EXPECT_EQ(One("SELECT count(*) FROM stream_chunks"), "0") << "moved, not copied";

  // Replaying the whole stream changes nothing.
  auto replay =
      Persist(0, {Chunk(0, "s8", 0, parts), Chunk(1, "s8", 1, parts), Chunk(2, "s8", 2, parts)}, 3);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->duplicates_ignored, 3);
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's8'"), "1");
}

// The gateway checks the digest before it produces a last chunk; the worker
// checks that every chunk is there with the declared sizes.
TEST_F(PgTaskStoreTest, ChunksThatDoNotAddUpToTheTotalLeaveTheStreamIncomplete) {
  const std::vector<std::string> parts = {"abc", "def", "g"};
  TaskRecord short_chunk = Chunk(1, "x8", 1, {"abc", "d", "g"});
  TaskRecord last = Chunk(2, "x8", 2, parts);
  last.first = {0, 1};  // a replayed copy: its letter names the original
  auto outcome = Persist(0, {Chunk(0, "x8", 0, parts), short_chunk, last}, 3);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->streams_completed, 0);
  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_EQ(sunk_[0].reason, DeadLetterReason::kStreamIncomplete);
  EXPECT_EQ(sunk_[0].offset, 2);
  EXPECT_EQ(sunk_[0].first, (FirstPosition{0, 1}));
  EXPECT_THAT(sunk_[0].detail, HasSubstr("3 of 3 chunks holding 5 of 7 bytes"));
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 'x8'"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM payload_streams"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads"), "0");
  EXPECT_EQ(One("SELECT string_agg(chunk_index::text, ',' ORDER BY chunk_index) "
                "FROM stream_chunks"),
            "0,1")
      << "the dead-lettered last chunk is not stored";
}

TEST_F(PgTaskStoreTest, StreamWithAMissingChunkIsIncomplete) {
  const std::vector<std::string> parts = {"abc", "def", "g"};
  ASSERT_TRUE(Persist(0, {Chunk(0, "x9", 0, parts), Chunk(2, "x9", 2, parts)}, 3).ok());
  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_EQ(sunk_[0].reason, DeadLetterReason::kStreamIncomplete);
  EXPECT_THAT(sunk_[0].detail, HasSubstr("with 2 of 3 chunks"));
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads"), "0");
}

TEST_F(PgTaskStoreTest, SingleChunkStreamIsStoredWithItsBytes) {
  auto outcome = Persist(0, {Chunk(0, "s9", 0, {"only"})}, 1);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->streams_completed, 1);
  EXPECT_EQ(StoredBytes("s9", 1), "only");
  EXPECT_EQ(One("SELECT raw_size FROM session_payloads WHERE session_id = 's9'"), "4");
}

TEST_F(PgTaskStoreTest, ResentStreamReplacesChunksLeftByARefusedAttempt) {
  // Attempt 1 was refused after two of three chunks; the resend writes all
  // three, later in the partition.
  const std::vector<std::string> old_parts = {"old", "old", "old"};
  const std::vector<std::string> new_parts = {"new", "new", "new"};
  std::vector<TaskRecord> records = {Chunk(0, "s10", 0, old_parts), Chunk(1, "s10", 1, old_parts),
                                     Chunk(2, "s10", 0, new_parts), Chunk(3, "s10", 1, new_parts),
                                     Chunk(4, "s10", 2, new_parts)};
  auto outcome = Persist(0, records, 5);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->streams_completed, 1);
  EXPECT_EQ(StoredBytes("s10", 1), "newnewnew");
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 's10'"), "1");
  // Replaying the old records (earlier offsets) changes nothing.
  ASSERT_TRUE(Persist(0, {records[0], records[1]}, 5).ok());
  EXPECT_EQ(StoredBytes("s10", 1), "newnewnew");

  EXPECT_TRUE(sunk_.empty());

  // Once complete, the stream is a stored payload like any other: a later
  // attempt with other bytes is a conflicting duplicate, chunk by chunk.
  const std::vector<std::string> third = {"333", "333", "333"};
  outcome = Persist(0, {Chunk(5, "s10", 0, third), Chunk(6, "s10", 1, third),
                        Chunk(7, "s10", 2, third)}, 8);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->streams_completed, 0);
  EXPECT_EQ(StoredBytes("s10", 1), "newnewnew");
  ASSERT_EQ(sunk_.size(), 3u);
  for (const DeadLetter& letter : sunk_) {
    EXPECT_EQ(letter.reason, DeadLetterReason::kConflictingDuplicate);
  }
  EXPECT_EQ(One("SELECT payload_count || '/' || conflicting_duplicates FROM sessions "
                "WHERE session_id = 's10'"),
            "1/3");
}

TEST_F(PgTaskStoreTest, ShorterResendDropsLeftoverChunks) {
  // A refused attempt of four chunks got three written (never its last).
  const std::vector<std::string> longer = {"aa", "aa", "aa", "aa"};
  const std::vector<std::string> shorter = {"bb", "bb"};
  ASSERT_TRUE(Persist(0, {Chunk(0, "s11", 0, longer), Chunk(1, "s11", 1, longer),
                          Chunk(2, "s11", 2, longer)}, 3).ok());
  ASSERT_TRUE(Persist(0, {Chunk(3, "s11", 0, shorter), Chunk(4, "s11", 1, shorter)}, 5).ok());
  EXPECT_EQ(StoredBytes("s11", 1), "bbbb");
  EXPECT_EQ(One("SELECT count(*) FROM stream_chunks"), "0");
  EXPECT_TRUE(sunk_.empty());
}

// Rollout: records of older gateways (content form) and newer ones (stored
// form) share a partition; both store the same rows, and the same bytes in
// either shape are one payload, not a conflict.
TEST_F(PgTaskStoreTest, RecordsOfBothShapesInOnePartitionAreStoredAlike) {
  const std::vector<std::string> parts = {"old", "er", "shape"};
  std::vector<TaskRecord> records = {
      Payload(0, "m1", 1, "content form"), InStoredForm(Payload(1, "m1", 2, "stored form")),
      Chunk(2, "m2", 0, parts),            InStoredForm(Chunk(3, "m2", 1, parts)),
      Chunk(4, "m2", 2, parts),            InStoredForm(Chunk(5, "m3", 0, parts)),
      InStoredForm(Chunk(6, "m3", 1, parts)), InStoredForm(Chunk(7, "m3", 2, parts))};
  auto outcome = Persist(0, records, 8);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(sunk_.empty());
  EXPECT_EQ(outcome->streams_completed, 2);
  EXPECT_EQ(Events("m1", 1), "content form");
  EXPECT_EQ(Events("m1", 2), "stored form");
  EXPECT_EQ(StoredBytes("m2", 1), "oldershape");
  EXPECT_EQ(StoredBytes("m3", 1), "oldershape");
  EXPECT_EQ(One("SELECT string_agg(DISTINCT storage_encoding::text, ',') FROM session_payloads"),
            "1");
  EXPECT_EQ(One("SELECT payload_count FROM sessions WHERE session_id = 'm1'"), "2");

  // The same payloads again, each in the other shape: exact replays.
  auto again = Persist(0, {InStoredForm(Payload(8, "m1", 1, "content form")),
                           Payload(9, "m1", 2, "stored form")},
                       10);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->duplicates_ignored, 2);
  EXPECT_TRUE(sunk_.empty());
}

// The worker writes a stored-form record's bytes as they came.
TEST_F(PgTaskStoreTest, StoredFormBytesAreWrittenUntouched) {
  TaskRecord record = InStoredForm(Payload(0, "u1", 1, std::string(5000, 'u')));
  ASSERT_TRUE(Persist(0, {record}, 1).ok());
  auto row = db_->Query("SELECT data, data_sha256, raw_size FROM session_payloads", {},
                        PgFormat::kBinary);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(BinaryValueBytes(row->get(), 0, 0), record.task.payload().stored_data());
  EXPECT_EQ(BinaryValueBytes(row->get(), 0, 1), record.task.payload().raw_sha256());
  EXPECT_EQ(BinaryValueInt(row->get(), 0, 2),
            static_cast<int64_t>(record.task.payload().raw_size()));
}

// Chunks of a stream that never completed go once older than the TTL;
// younger ones (a stream under way) stay.
TEST_F(PgTaskStoreTest, ExpiredChunksOfIncompleteStreamsAreRemovedInBatches) {
  const std::vector<std::string> parts = {"a", "b", "c"};
  ASSERT_TRUE(Persist(0, {Chunk(0, "old", 0, parts), Chunk(1, "old", 1, parts)}, 2).ok());
  ASSERT_TRUE(db_->Exec("UPDATE stream_chunks SET persisted_at = now() - interval '2 days'").ok());
  ASSERT_TRUE(Persist(0, {Chunk(2, "new", 0, parts)}, 3).ok());

  auto first = store_->ExpireStreamChunks(absl::Hours(24), 1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 1) << "at most max_rows per call";
  auto second = store_->ExpireStreamChunks(absl::Hours(24), 100);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 1);
  EXPECT_EQ(One("SELECT string_agg(session_id, ',') FROM stream_chunks"), "new");
}

// ingest_worker_transaction_phase_seconds says where a transaction's time
// goes, phase by phase, in order.
TEST_F(PgTaskStoreTest, ACommittedTransactionReportsItsPhases) {
  auto outcome = Persist(0, {Init(0, "ph"), Payload(1, "ph", 1, "a"), Poison(2, "pq")}, 3);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  std::vector<std::string> phases;
  for (const auto& [phase, took] : outcome->phases.laps()) {
    phases.push_back(phase);
    EXPECT_GE(took, absl::ZeroDuration());
  }
  EXPECT_THAT(phases, ::testing::ElementsAre("begin", "gate", "other_tasks", "lock", "chunks",
                                             "payloads", "sessions", "quarantines", "lifecycle",
                                             "offsets", "dead_letters", "commit"));
}

TEST_F(PgTaskStoreTest, PingAnswersWhileTheDatabaseIsUp) { EXPECT_TRUE(store_->Ping().ok()); }

TEST_F(PgTaskStoreTest, UnreachableDatabaseIsUnavailable) {
  auto store = CreatePgTaskStore({.dsn = "host=127.0.0.1 port=1 dbname=x connect_timeout=1",
                                  .connect_timeout = absl::Seconds(1)});
  std::vector<PartitionBatch> batches = {PartitionBatch{0, {Payload(0, "s", 1, "a")}, 1}};
  EXPECT_EQ(store->PersistBatches(kTopic, batches, [](auto) { return absl::OkStatus(); })
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->LoadNextOffsets(kTopic, {0}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->LoadQuarantinedSessions(kTopic, {0}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->Ping().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
