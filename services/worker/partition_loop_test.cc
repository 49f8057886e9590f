#include "services/worker/partition_loop.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/first_position.h"
#include "services/common/kafka/redrive_headers.h"
#include "services/worker/testing/fake_consumer.h"
#include "services/worker/testing/fake_store.h"
#include "services/worker/testing/inline_batch_writer.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

std::string PayloadValue(const std::string& session, uint64_t payload_id) {
  v1::Task task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(v1::TASK_TYPE_PUSH_PAYLOAD);
  task.set_project_id("p");
  task.set_session_id(session);
  task.set_payload_id(payload_id);
  task.set_chunk_count(1);
  task.mutable_payload()->mutable_content()->set_events("e");
  return EncodeTask(task);
}

ConsumedRecord Record(int32_t partition, int64_t offset) {
  return ConsumedRecord{partition, offset, "s", PayloadValue("s", offset + 1), absl::Now()};
}

ConsumedRecord SessionRecord(int64_t offset, const std::string& session) {
  return ConsumedRecord{0, offset, session, PayloadValue(session, offset + 1), absl::Now()};
}

ConsumedRecord GarbageRecord(int64_t offset, const std::string& key) {
  return ConsumedRecord{0, offset, key, "\xff\xff not a task", absl::Now()};
}

// A writer whose batches complete only when the test says so.
class ManualBatchWriter : public BatchWriter {
 public:
  void Submit(PartitionBatch batch) override { submitted.push_back(std::move(batch)); }
  std::vector<BatchResult> TakeResults(absl::Duration) override {
    return std::exchange(finished, {});
  }
  void FinishOldest(absl::Status status) {
    finished.push_back({std::move(submitted.front()), std::move(status)});
    submitted.erase(submitted.begin());
  }
  std::vector<PartitionBatch> submitted;
  std::vector<BatchResult> finished;
};

class PartitionLoopTest : public ::testing::Test {
 protected:
  PartitionLoopOptions Options() {
    PartitionLoopOptions options;
    options.max_batch_records = 3;
    options.max_batch_delay = absl::Milliseconds(50);
    options.initial_backoff = absl::Milliseconds(100);
    options.max_backoff = absl::Milliseconds(400);
    options.now = [this] { return now_; };
    options.sleep = [this](absl::Duration d) { now_ += d; };
    return options;
  }

  std::unique_ptr<PartitionLoop> NewLoop() {
    return std::make_unique<PartitionLoop>(Options(), consumer_, store_, writer_, metrics_);
  }

  // Steps until the consumer is empty and nothing is held (bounded).
  void RunUntilIdle(PartitionLoop& loop) {
    for (int step = 0; step < 50; ++step) {
      loop.RunOnce();
      now_ += absl::Milliseconds(60);
    }
  }

  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
  prometheus::Registry registry_;
  WorkerMetrics metrics_{registry_};
  FakeConsumer consumer_;
  FakeTaskStore store_;
  std::vector<DeadLetter> sunk_;
  InlineBatchWriter writer_{store_, [this](absl::Span<const DeadLetter> letters) {
                              sunk_.insert(sunk_.end(), letters.begin(), letters.end());
                              return absl::OkStatus();
                            }};
};

TEST_F(PartitionLoopTest, PersistsEachPartitionInOffsetOrderInBatchesWithTheirOffset) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0, 1});
  for (int64_t offset = 0; offset < 7; ++offset) {
    consumer_.Enqueue(Record(0, offset));
    consumer_.Enqueue(Record(1, offset));
  }
  RunUntilIdle(*loop);

  EXPECT_THAT(store_.persisted[0], ElementsAre(0, 1, 2, 3, 4, 5, 6));
  EXPECT_THAT(store_.persisted[1], ElementsAre(0, 1, 2, 3, 4, 5, 6));
  EXPECT_EQ(store_.offsets[0], 7);
  EXPECT_EQ(consumer_.committed[0], 7) << "Kafka commit follows the database commit";
  for (int size : store_.batch_sizes) EXPECT_LE(size, 3);
}

TEST_F(PartitionLoopTest, TheCrashHookRunsAfterTheDatabaseCommitAndBeforeTheKafkaCommit) {
  PartitionLoopOptions options = Options();
  std::vector<std::pair<int64_t, bool>> seen;  // (database offset, Kafka committed yet)
  options.before_kafka_commit = [&] {
    seen.emplace_back(store_.offsets[0], consumer_.committed.count(0) > 0);
  };
  PartitionLoop loop(options, consumer_, store_, writer_, metrics_);
  loop.OnPartitionsAssigned({0});
  for (int64_t offset = 0; offset < 3; ++offset) consumer_.Enqueue(Record(0, offset));
  RunUntilIdle(loop);

  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, 3) << "the database already holds the batch's next offset";
  EXPECT_FALSE(seen[0].second) << "Kafka has not been told yet";
  EXPECT_EQ(consumer_.committed[0], 3);
}

TEST_F(PartitionLoopTest, LostPartitionsEndTheTransactionUnderWayButWriteNothingNew) {
  ManualBatchWriter manual;
  PartitionLoop loop(Options(), consumer_, store_, manual, metrics_);
  loop.OnPartitionsAssigned({0});
  for (int64_t offset = 0; offset < 4; ++offset) consumer_.Enqueue(Record(0, offset));
  loop.RunOnce();
  ASSERT_EQ(manual.submitted.size(), 1u) << "a full batch of 3 is with the writer, 1 record held";
  manual.FinishOldest(absl::OkStatus());  // its transaction commits meanwhile

  loop.OnPartitionsLost({0});

  EXPECT_TRUE(manual.submitted.empty()) << "the held record must not be written: another "
                                           "member may own the partition already";
  EXPECT_TRUE(consumer_.committed.empty()) << "no Kafka commit for a lost partition";
  EXPECT_EQ(loop.assigned_partitions(), 0);

  // The next owner (here: this loop again) resumes from the database offset.
  store_.offsets[0] = 3;
  loop.OnPartitionsAssigned({0});
  consumer_.Enqueue(Record(0, 3));
  loop.RunOnce();
  now_ += absl::Milliseconds(60);
  loop.RunOnce();
  ASSERT_EQ(manual.submitted.size(), 1u);
  EXPECT_EQ(manual.submitted[0].records.front().offset, 3);
}

TEST_F(PartitionLoopTest, HeldRecordsPersistedOnRevokeAreNotCommittedToKafka) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(Record(0, 0));
  loop->RunOnce();  // held: its batch is not due yet
  ASSERT_EQ(store_.persist_calls, 0);

  loop->OnPartitionsRevoked({0});

  EXPECT_THAT(store_.persisted[0], ElementsAre(0));
  EXPECT_EQ(store_.offsets[0], 1);
  EXPECT_TRUE(consumer_.committed.empty())
      << "a commit during revocation may carry a stale generation (a static member is fenced)";
}

TEST_F(PartitionLoopTest, AFatalConsumerErrorEndsRunAfterPersistingWhatIsHeld) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(Record(0, 0));
  loop->RunOnce();
  consumer_.health = absl::FailedPreconditionError("fenced");
  absl::Notification never;

  const absl::Status status = loop->Run(never);

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store_.persisted[0], ElementsAre(0)) << "drained before returning";
}

TEST_F(PartitionLoopTest, HoldsABatchUntilItsDelayOrSizeIsReached) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(Record(0, 0));
  loop->RunOnce();
  EXPECT_EQ(store_.persist_calls, 0);
  now_ += absl::Milliseconds(50);
  loop->RunOnce();
  EXPECT_THAT(store_.persisted[0], ElementsAre(0));
}

TEST_F(PartitionLoopTest, DatabaseFailurePausesAndRetriesTheSameBatchWithBackoffNeverSkipping) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  store_.persist_failures_left = 4;
  for (int64_t offset = 0; offset < 3; ++offset) consumer_.Enqueue(Record(0, offset));
  loop->RunOnce();
  EXPECT_EQ(store_.persist_calls, 1);
  EXPECT_TRUE(consumer_.paused.count(0)) << "a failing partition stops fetching";
  EXPECT_TRUE(consumer_.committed.empty()) << "nothing committed past unpersisted records";

  // Backoff doubles: 100ms, 200ms, 400ms, capped at 400ms.
  const absl::Duration waits[] = {absl::Milliseconds(100), absl::Milliseconds(200),
                                  absl::Milliseconds(400), absl::Milliseconds(400)};
  int calls = 1;
  for (absl::Duration wait : waits) {
    now_ += wait - absl::Milliseconds(1);
    loop->RunOnce();
    EXPECT_EQ(store_.persist_calls, calls) << "no retry before the backoff elapsed";
    now_ += absl::Milliseconds(1);
    loop->RunOnce();
    EXPECT_EQ(store_.persist_calls, ++calls);
  }
  EXPECT_THAT(store_.persisted[0], ElementsAre(0, 1, 2));
  EXPECT_EQ(store_.offsets[0], 3);
  EXPECT_FALSE(consumer_.paused.count(0)) << "resumed after the write succeeded";
}

TEST_F(PartitionLoopTest, OnePartitionsFailureDoesNotStallTheOthers) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0, 1});
  store_.failing_partitions = {0};
  for (int64_t offset = 0; offset < 3; ++offset) {
    consumer_.Enqueue(Record(0, offset));
    consumer_.Enqueue(Record(1, offset));
  }
  loop->RunOnce();
  EXPECT_TRUE(store_.persisted[0].empty());
  EXPECT_THAT(store_.persisted[1], ElementsAre(0, 1, 2));
}

TEST_F(PartitionLoopTest, ResumesFromTheDatabaseOffsetSoACrashBeforeTheKafkaCommitDuplicatesNothing) {
  {
    auto first_owner = NewLoop();
    first_owner->OnPartitionsAssigned({0});
    for (int64_t offset = 0; offset < 3; ++offset) consumer_.Enqueue(Record(0, offset));
    first_owner->RunOnce();
    ASSERT_EQ(store_.offsets[0], 3);
    // Crash: the Kafka commit is lost, the group re-delivers from offset 0.
  }
  consumer_.committed.clear();
  auto next_owner = NewLoop();
  PartitionOffsets starts = next_owner->OnPartitionsAssigned({0});
  EXPECT_EQ(starts[0], 3) << "the consumer is told to start at the database offset";
  for (int64_t offset = 0; offset < 6; ++offset) consumer_.Enqueue(Record(0, offset));
  next_owner->RunOnce();
  EXPECT_THAT(store_.persisted[0], ElementsAre(0, 1, 2, 3, 4, 5));
}

TEST_F(PartitionLoopTest, AssignmentWaitsForTheDatabaseWithBackoff) {
  store_.load_failures_left = 3;
  store_.offsets[0] = 42;
  auto loop = NewLoop();
  const absl::Time before = now_;
  PartitionOffsets starts = loop->OnPartitionsAssigned({0});
  EXPECT_EQ(starts[0], 42);
  EXPECT_EQ(now_ - before, absl::Milliseconds(100 + 200 + 400));
  EXPECT_EQ(loop->assigned_partitions(), 1);
}

TEST_F(PartitionLoopTest, RevocationPersistsTheHeldBatchBeforeRelease) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(Record(0, 0));
  loop->RunOnce();  // held: not yet due
  loop->OnPartitionsRevoked({0});
  EXPECT_THAT(store_.persisted[0], ElementsAre(0));
  EXPECT_EQ(loop->assigned_partitions(), 0);
}

TEST_F(PartitionLoopTest, RevocationWithTheDatabaseDownAbandonsTheBatchWithoutAdvancing) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(Record(0, 0));
  loop->RunOnce();
  store_.persist_failures_left = 2;  // the attempt on revocation, and one more
  loop->OnPartitionsRevoked({0});
  EXPECT_TRUE(store_.persisted[0].empty());
  EXPECT_EQ(store_.offsets.count(0), 0u) << "the next owner starts before the abandoned records";
}

TEST_F(PartitionLoopTest, RecordsOfUnownedPartitionsAreIgnored) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(Record(5, 0));
  loop->RunOnce();
  now_ += absl::Seconds(1);
  loop->RunOnce();
  EXPECT_EQ(store_.persist_calls, 0);
}

TEST_F(PartitionLoopTest, DrainRetriesHeldBatchesUntilPersisted) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(Record(0, 0));
  loop->RunOnce();
  store_.persist_failures_left = 2;
  EXPECT_TRUE(loop->Drain(absl::Seconds(5)));
  EXPECT_THAT(store_.persisted[0], ElementsAre(0));
}

TEST_F(PartitionLoopTest, DrainGivesUpAtItsDeadline) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(Record(0, 0));
  loop->RunOnce();
  store_.failing_partitions = {0};
  EXPECT_FALSE(loop->Drain(absl::Seconds(2)));
  EXPECT_TRUE(store_.persisted[0].empty());
}

TEST_F(PartitionLoopTest, PoisonRecordGoesToTheDlqAndQuarantinesItsSessionWhileOthersFlow) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(SessionRecord(0, "s1"));
  consumer_.Enqueue(GarbageRecord(1, "s1"));
  consumer_.Enqueue(SessionRecord(2, "s2"));
  consumer_.Enqueue(SessionRecord(3, "s1"));  // follows its session to the DLQ
  consumer_.Enqueue(SessionRecord(4, "s2"));
  RunUntilIdle(*loop);

  EXPECT_THAT(store_.persisted[0], ElementsAre(0, 2, 4));
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(1, 3));
  EXPECT_EQ(store_.offsets[0], 5) << "the partition moves on past the poison record";
  EXPECT_THAT(store_.quarantined, UnorderedElementsAre("s1"));
  ASSERT_EQ(sunk_.size(), 2u);
  EXPECT_EQ(sunk_[0].reason, DeadLetterReason::kInvalidRecord);
  EXPECT_TRUE(sunk_[0].quarantines_session);
  EXPECT_EQ(sunk_[0].session_id, "s1");
  EXPECT_EQ(sunk_[0].value, "\xff\xff not a task") << "the DLQ gets the bytes as consumed";
  EXPECT_EQ(sunk_[1].reason, DeadLetterReason::kQuarantinedSession);
  EXPECT_EQ(sunk_[1].offset, 3);
}

// Erasure deletes the quarantine row, but the loop holds the quarantine in
// memory: the store finds the session erased, drops what followed, and the
// loop lifts the quarantine, so the session's later records reach the store
// (whose gate drops them too) instead of the DLQ.
TEST_F(PartitionLoopTest, AQuarantinedSessionErasedSinceIsDroppedNotDeadLettered) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(GarbageRecord(0, "s1"));
  RunUntilIdle(*loop);
  ASSERT_THAT(store_.quarantined, UnorderedElementsAre("s1"));
  ASSERT_EQ(sunk_.size(), 1u);

  store_.quarantined.erase("s1");  // what EraseSessions does
  store_.erased.insert("s1");
  consumer_.Enqueue(SessionRecord(1, "s1"));  // still follows the quarantine in memory
  RunUntilIdle(*loop);
  consumer_.Enqueue(SessionRecord(2, "s1"));  // the quarantine is lifted
  RunUntilIdle(*loop);

  EXPECT_EQ(sunk_.size(), 1u) << "nothing of the erased session went to the DLQ";
  EXPECT_THAT(store_.dropped[0], ElementsAre(1));
  EXPECT_THAT(store_.persisted[0], ElementsAre(2)) << "handed to the store, not the DLQ";
  EXPECT_EQ(store_.offsets[0], 3);
  const std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  EXPECT_THAT(text, Not(HasSubstr(R"(outcome="dead_lettered",type="push_payload")")))
      << "the dropped record is not counted as dead-lettered";
}

TEST_F(PartitionLoopTest, DeadLetterCountsCarryTheTypeOfEveryRecordThatDecoded) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(GarbageRecord(0, "s1"));
  consumer_.Enqueue(SessionRecord(1, "s1"));  // a payload following the quarantine
  RunUntilIdle(*loop);
  ASSERT_EQ(sunk_.size(), 2u);

  const std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  EXPECT_THAT(text, HasSubstr(
      R"(ingest_worker_records_total{outcome="dead_lettered",type="push_payload"} 1)"));
  EXPECT_THAT(text, HasSubstr(
      R"(ingest_worker_records_total{outcome="dead_lettered",type="unknown"} 1)"))
      << "only the undecodable record has no type";
}

// A record the store dead-letters while its batch commits (a conflicting
// duplicate) is counted as dead-lettered, not persisted.
TEST_F(PartitionLoopTest, RecordsTheStoreDeadLettersAreCountedSo) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  store_.store_dead_letter_offsets = {1};
  for (int64_t offset = 0; offset < 3; ++offset) consumer_.Enqueue(SessionRecord(offset, "s"));
  RunUntilIdle(*loop);

  const std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  EXPECT_THAT(text, HasSubstr(
      R"(ingest_worker_records_total{outcome="dead_lettered",type="push_payload"} 1)"));
  EXPECT_THAT(text, HasSubstr(
      R"(ingest_worker_records_total{outcome="persisted",type="push_payload"} 2)"));
}

// `record` as a copy broker-proxy produced (a replay), naming the first
// position of its original.
ConsumedRecord CopyOf(ConsumedRecord record, FirstPosition first) {
  record.headers = {{redrive_headers::kReplayId, "rp-1"}};
  AppendFirstPosition(first, record.headers);
  return record;
}

TEST_F(PartitionLoopTest, ARecordsFirstPositionIsItsOwnUnlessItsHeadersNameOne) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(SessionRecord(0, "s1"));
  consumer_.Enqueue(CopyOf(SessionRecord(1, "s1"), {0, 0}));
  consumer_.Enqueue(CopyOf(GarbageRecord(2, "s2"), {0, 1}));
  consumer_.Enqueue(CopyOf(SessionRecord(3, "s2"), {0, 2}));  // follows s2's quarantine
  RunUntilIdle(*loop);

  EXPECT_THAT(store_.persisted_first[0], ElementsAre(FirstPosition{0, 0}, FirstPosition{0, 0}));
  ASSERT_EQ(sunk_.size(), 2u);
  EXPECT_EQ(sunk_[0].offset, 2);
  EXPECT_EQ(sunk_[0].first, (FirstPosition{0, 1})) << "a poison copy's letter keeps its origin";
  EXPECT_EQ(sunk_[1].reason, DeadLetterReason::kQuarantinedSession);
  EXPECT_EQ(sunk_[1].first, (FirstPosition{0, 2})) << "so does a follower's";
}

TEST_F(PartitionLoopTest, ALetterOfARecordTheDatabaseRefusesKeepsItsFirstPosition) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  store_.refused_offsets = {1};
  consumer_.Enqueue(SessionRecord(0, "a"));
  consumer_.Enqueue(CopyOf(SessionRecord(1, "a"), {0, 0}));
  RunUntilIdle(*loop);
  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_EQ(sunk_[0].offset, 1);
  EXPECT_EQ(sunk_[0].first, (FirstPosition{0, 0}));
}

TEST_F(PartitionLoopTest, AQuarantineStoredByAnEarlierOwnerStillApplies) {
  store_.quarantined = {"s1"};
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(SessionRecord(0, "s1"));
  consumer_.Enqueue(SessionRecord(1, "s2"));
  RunUntilIdle(*loop);
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(0));
  EXPECT_THAT(store_.persisted[0], ElementsAre(1));
}

TEST_F(PartitionLoopTest, PoisonWithAProjectKeyQuarantinesNothing) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(GarbageRecord(0, "project/p"));
  RunUntilIdle(*loop);
  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_FALSE(sunk_[0].quarantines_session);
  EXPECT_THAT(store_.quarantined, IsEmpty());
}

TEST_F(PartitionLoopTest, ARecordTheDatabaseRefusesIsFoundAndDeadLetteredTheRestPersisted) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  store_.refused_offsets = {1};
  consumer_.Enqueue(SessionRecord(0, "a"));
  consumer_.Enqueue(SessionRecord(1, "a"));
  consumer_.Enqueue(SessionRecord(2, "b"));
  RunUntilIdle(*loop);
  EXPECT_THAT(store_.persisted[0], ElementsAre(0, 2));
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(1));
  EXPECT_EQ(store_.offsets[0], 3);
  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_EQ(sunk_[0].reason, DeadLetterReason::kInvalidRecord);
  EXPECT_THAT(sunk_[0].detail, ::testing::HasSubstr("PostgreSQL refused"));
  EXPECT_TRUE(sunk_[0].quarantines_session);
}

TEST_F(PartitionLoopTest, AConflictingDuplicateGoesToTheDlqAloneAndItsSessionFlowsOn) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  store_.conflicting_offsets = {1};
  consumer_.Enqueue(SessionRecord(0, "a"));
  consumer_.Enqueue(SessionRecord(1, "a"));
  consumer_.Enqueue(SessionRecord(2, "a"));
  consumer_.Enqueue(SessionRecord(3, "b"));
  consumer_.Enqueue(SessionRecord(4, "a"));
  RunUntilIdle(*loop);

  EXPECT_THAT(store_.persisted[0], ElementsAre(0, 2, 3, 4));
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(1));
  EXPECT_EQ(store_.offsets[0], 5);
  EXPECT_THAT(store_.quarantined, IsEmpty());
  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_EQ(sunk_[0].reason, DeadLetterReason::kConflictingDuplicate);
  EXPECT_FALSE(sunk_[0].quarantines_session);
  EXPECT_THAT(sunk_[0].detail, ::testing::HasSubstr("stored copy was kept"));
  auto task = DecodeTask(sunk_[0].value);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->payload_id(), 2u) << "byte for byte";
}

// A record of `session` that broker-proxy redrove (redrive_headers.h).
ConsumedRecord RedrivenRecord(int64_t offset, const std::string& session, uint64_t payload_id,
                              const std::string& redrive_id, int64_t scanned_through,
                              bool last) {
  ConsumedRecord record{0, offset, session, PayloadValue(session, payload_id), absl::Now()};
  record.headers = {{redrive_headers::kRedriveId, redrive_id},
                    {redrive_headers::kScannedThrough, std::to_string(scanned_through)}};
  if (last) record.headers.emplace_back(redrive_headers::kLast, "1");
  return record;
}

// Session "q" was quarantined at offset 1 (its record 3 followed); the
// operator started redrive "rd-1", which read the DLQ below offset 5.
class RedriveTest : public PartitionLoopTest {
 protected:
  void SetUp() override {
    store_.quarantined = {"q"};
    store_.redrive_ids["q"] = "rd-1";
    store_.followed_through["q"] = 3;
  }
};

TEST_F(RedriveTest, RedrivenRecordsArePersistedInOrderAndTheLastLiftsTheQuarantine) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(RedrivenRecord(5, "q", 1, "rd-1", 5, false));
  consumer_.Enqueue(RedrivenRecord(6, "q", 2, "rd-1", 5, true));
  consumer_.Enqueue(SessionRecord(7, "q"));  // new traffic after the redrive flows too
  RunUntilIdle(*loop);

  EXPECT_THAT(store_.persisted[0], ElementsAre(5, 6, 7));
  EXPECT_THAT(store_.dead_lettered[0], IsEmpty());
  EXPECT_THAT(store_.lifted, ElementsAre("q"));
  EXPECT_THAT(store_.quarantined, IsEmpty());
  EXPECT_EQ(store_.quarantine_lookups, 1) << "one lookup per redrive, not per record";
}

TEST_F(RedriveTest, AQuarantinedRecordWithoutARedriveStillFollowsToTheDlq) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(SessionRecord(4, "q"));
  RunUntilIdle(*loop);
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(4));
  EXPECT_EQ(store_.quarantine_lookups, 0);
  EXPECT_EQ(store_.followed_through["q"], 4);
}

TEST_F(RedriveTest, ARedriveTheQuarantineRowDoesNotNameFollowsToTheDlq) {
  store_.redrive_ids["q"] = "rd-2";  // a newer redrive replaced it
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(RedrivenRecord(5, "q", 1, "rd-1", 5, false));
  consumer_.Enqueue(RedrivenRecord(6, "q", 2, "rd-1", 5, true));
  RunUntilIdle(*loop);
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(5, 6));
  EXPECT_THAT(store_.quarantined, ElementsAre("q"));
  EXPECT_THAT(store_.lifted, IsEmpty());
  EXPECT_EQ(store_.quarantine_lookups, 1);
}

TEST_F(RedriveTest, AnUnreadableQuarantineRowIsRetriedThenTheRedriveFollowsWhole) {
  store_.quarantine_lookup_failures_left = 100;
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(RedrivenRecord(5, "q", 1, "rd-1", 5, false));
  consumer_.Enqueue(RedrivenRecord(6, "q", 2, "rd-1", 5, true));
  RunUntilIdle(*loop);
  EXPECT_EQ(store_.quarantine_lookups, Options().redrive_lookup_attempts)
      << "retried, then given up once for the whole redrive";
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(5, 6)) << "never half a redrive";
  EXPECT_THAT(store_.quarantined, ElementsAre("q"));
}

TEST_F(RedriveTest, ARecordThatFollowedPastWhatTheRedriveCarriedKeepsTheQuarantine) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(SessionRecord(5, "q"));  // produced while the redrive was read: not in it
  consumer_.Enqueue(RedrivenRecord(6, "q", 1, "rd-1", 5, false));
  consumer_.Enqueue(RedrivenRecord(7, "q", 2, "rd-1", 5, true));
  RunUntilIdle(*loop);
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(5));
  EXPECT_THAT(store_.persisted[0], ElementsAre(6, 7)) << "keyed rows: the next redrive is a no-op for them";
  EXPECT_THAT(store_.quarantined, ElementsAre("q"));
  EXPECT_THAT(store_.lifted, IsEmpty());
}

TEST_F(RedriveTest, AFollowedMarkStoredByAnEarlierOwnerCountsToo) {
  store_.followed_through["q"] = 5;  // an earlier owner dead-lettered offset 5
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(RedrivenRecord(6, "q", 1, "rd-1", 5, true));
  RunUntilIdle(*loop);
  EXPECT_THAT(store_.quarantined, ElementsAre("q"));
  EXPECT_THAT(store_.lifted, IsEmpty());
}

TEST_F(RedriveTest, ARedrivenRecordThatIsPoisonAgainRestartsTheQuarantineAndTheRestFollows) {
  store_.refused_offsets = {6};  // the cause is not fixed for payload 2
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  consumer_.Enqueue(RedrivenRecord(5, "q", 1, "rd-1", 5, false));
  consumer_.Enqueue(RedrivenRecord(6, "q", 2, "rd-1", 5, false));
  consumer_.Enqueue(RedrivenRecord(7, "q", 3, "rd-1", 5, true));
  consumer_.Enqueue(SessionRecord(8, "q"));
  RunUntilIdle(*loop);

  EXPECT_THAT(store_.persisted[0], ElementsAre(5));
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(6, 7, 8));
  EXPECT_THAT(store_.quarantined, ElementsAre("q"));
  EXPECT_THAT(store_.lifted, IsEmpty());
  EXPECT_EQ(store_.quarantine_offsets["q"], 6) << "the quarantine restarts at the new poison";
  EXPECT_EQ(store_.redrive_ids.count("q"), 0u);
  ASSERT_EQ(sunk_.size(), 3u);
  EXPECT_TRUE(sunk_[0].quarantines_session);
  EXPECT_EQ(sunk_[1].reason, DeadLetterReason::kQuarantinedSession);
  EXPECT_EQ(sunk_[2].reason, DeadLetterReason::kQuarantinedSession);
}

TEST_F(PartitionLoopTest, AFailingSinkKeepsTheBatchAndRetriesIt) {
  int sink_failures = 2;
  InlineBatchWriter writer(store_, [&](absl::Span<const DeadLetter>) {
    return sink_failures-- > 0 ? absl::UnavailableError("DLQ unreachable") : absl::OkStatus();
  });
  PartitionLoop loop(Options(), consumer_, store_, writer, metrics_);
  loop.OnPartitionsAssigned({0});
  consumer_.Enqueue(GarbageRecord(0, "s1"));
  consumer_.Enqueue(SessionRecord(1, "s2"));
  RunUntilIdle(loop);
  EXPECT_THAT(store_.dead_lettered[0], ElementsAre(0));
  EXPECT_THAT(store_.persisted[0], ElementsAre(1));
  EXPECT_EQ(store_.offsets[0], 2);
}

TEST_F(PartitionLoopTest, OneBatchPerPartitionInFlightAndABackloggedPartitionIsPaused) {
  PartitionLoopOptions options = Options();
  options.backlog_batches = 1;  // paused as soon as one full batch waits
  ManualBatchWriter writer;
  PartitionLoop loop(options, consumer_, store_, writer, metrics_);
  loop.OnPartitionsAssigned({0});
  for (int64_t offset = 0; offset < 6; ++offset) consumer_.Enqueue(Record(0, offset));
  loop.RunOnce();
  ASSERT_EQ(writer.submitted.size(), 1u) << "the second batch waits for the first";
  EXPECT_EQ(writer.submitted[0].next_offset, 3);
  EXPECT_TRUE(consumer_.paused.count(0)) << "a backlog stops fetching";

  writer.FinishOldest(absl::OkStatus());
  loop.RunOnce();
  EXPECT_EQ(consumer_.committed[0], 3);
  ASSERT_EQ(writer.submitted.size(), 1u);
  EXPECT_EQ(writer.submitted[0].records.front().offset, 3);
  EXPECT_EQ(writer.submitted[0].next_offset, 6);
  EXPECT_FALSE(consumer_.paused.count(0));
}

TEST_F(PartitionLoopTest, HeldBytesBeyondTheBudgetPauseEveryPartitionWithPendingRecords) {
  PartitionLoopOptions options = Options();
  options.max_held_bytes = 1;  // anything held is over budget
  ManualBatchWriter writer;
  PartitionLoop loop(options, consumer_, store_, writer, metrics_);
  loop.OnPartitionsAssigned({0, 1});
  consumer_.Enqueue(Record(0, 0));
  consumer_.Enqueue(Record(1, 0));
  loop.RunOnce();
  EXPECT_THAT(consumer_.paused, UnorderedElementsAre(0, 1));
  now_ += absl::Milliseconds(60);
  loop.RunOnce();  // both batches due and submitted
  ASSERT_EQ(writer.submitted.size(), 2u);
  writer.FinishOldest(absl::OkStatus());
  writer.FinishOldest(absl::OkStatus());
  loop.RunOnce();
  EXPECT_THAT(consumer_.paused, IsEmpty()) << "resumed once the bytes were persisted";
}

// A payload record received by the gateway at `received_at`.
ConsumedRecord ReceivedRecord(int32_t partition, int64_t offset, absl::Time received_at) {
  absl::StatusOr<v1::Task> decoded =
      DecodeTask(PayloadValue("s", static_cast<uint64_t>(offset) + 1));
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  v1::Task task = decoded.ok() ? *std::move(decoded) : v1::Task();
  SetReceivedAt(received_at, &task);
  return ConsumedRecord{partition, offset, "s", EncodeTask(task), received_at};
}

TEST_F(PartitionLoopTest, ABatchCarriesTheNewestReceivedAtOfItsRecordsAsItsWatermark) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0});
  const absl::Time t0 = now_ - absl::Hours(2);  // a backlog: received long ago
  consumer_.Enqueue(ReceivedRecord(0, 0, t0 + absl::Seconds(3)));
  consumer_.Enqueue(ReceivedRecord(0, 1, t0 + absl::Seconds(9)));
  consumer_.Enqueue(ReceivedRecord(0, 2, t0 + absl::Seconds(5)));
  RunUntilIdle(*loop);
  ASSERT_THAT(store_.persisted[0], ElementsAre(0, 1, 2));
  // The high watermark is unknown: the loop cannot tell it caught up, so
  // the wall clock never enters and no tick is sent.
  EXPECT_THAT(store_.watermarks[0], ElementsAre(t0 + absl::Seconds(9)));
  EXPECT_EQ(store_.lifecycle_ticks[0], 0);
}

TEST_F(PartitionLoopTest, ACaughtUpIdlePartitionSendsLifecycleTicksAtTheClockLessTheMargin) {
  PartitionLoopOptions options = Options();
  options.lifecycle_tick = absl::Seconds(5);
  options.caught_up_margin = absl::Seconds(2);
  PartitionLoop loop(options, consumer_, store_, writer_, metrics_);
  loop.OnPartitionsAssigned({0, 1});
  consumer_.high_watermarks[0] = 0;   // empty, so caught up
  consumer_.high_watermarks[1] = 40;  // 40 records not read yet: a backlog
  const absl::Time start = now_;
  for (int step = 0; step < 12; ++step) {
    loop.RunOnce();
    now_ += absl::Seconds(1);
  }
  // Steps at 0..11 s, one tick every 5 s: at 0, 5 and 10 s.
  EXPECT_EQ(store_.lifecycle_ticks[0], 3);
  EXPECT_THAT(store_.watermarks[0],
              ElementsAre(start - absl::Seconds(2), start + absl::Seconds(3),
                          start + absl::Seconds(8)));
  EXPECT_EQ(store_.offsets.count(0), 0u) << "a tick stores no offset";
  EXPECT_EQ(store_.lifecycle_ticks[1], 0) << "a partition with a backlog never ticks";
  EXPECT_THAT(store_.watermarks[1], IsEmpty());
}

TEST_F(PartitionLoopTest, TheBatchThatCatchesUpCarriesTheClockWhenNewerThanItsRecords) {
  PartitionLoopOptions options = Options();
  options.caught_up_margin = absl::Seconds(2);
  PartitionLoop loop(options, consumer_, store_, writer_, metrics_);
  loop.OnPartitionsAssigned({0});
  consumer_.high_watermarks[0] = 2;
  const absl::Time old = now_ - absl::Hours(1);
  consumer_.Enqueue(ReceivedRecord(0, 0, old));
  consumer_.Enqueue(ReceivedRecord(0, 1, old + absl::Seconds(1)));
  loop.RunOnce();
  now_ += absl::Milliseconds(60);
  loop.RunOnce();
  ASSERT_THAT(store_.persisted[0], ElementsAre(0, 1));
  ASSERT_FALSE(store_.watermarks[0].empty());
  EXPECT_GT(store_.watermarks[0].front(), now_ - absl::Seconds(3))
      << "everything Kafka had was taken: the clock (less the margin) is the watermark";
}

}  // namespace
}  // namespace ingest
