#include "services/worker/partition_loop.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/common/codec/task_codec.h"
#include "services/worker/testing/fake_consumer.h"
#include "services/worker/testing/fake_store.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;

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
    return std::make_unique<PartitionLoop>(Options(), consumer_, store_, metrics_);
  }

  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
  prometheus::Registry registry_;
  WorkerMetrics metrics_{registry_};
  FakeConsumer consumer_;
  FakeTaskStore store_;
};

TEST_F(PartitionLoopTest, PersistsEachPartitionInOffsetOrderInBatchesWithTheirOffset) {
  auto loop = NewLoop();
  loop->OnPartitionsAssigned({0, 1});
  for (int64_t offset = 0; offset < 7; ++offset) {
    consumer_.Enqueue(Record(0, offset));
    consumer_.Enqueue(Record(1, offset));
  }
  loop->RunOnce();
  now_ += absl::Milliseconds(60);  // the partial last batch is now due
  loop->RunOnce();

  EXPECT_THAT(store_.persisted[0], ElementsAre(0, 1, 2, 3, 4, 5, 6));
  EXPECT_THAT(store_.persisted[1], ElementsAre(0, 1, 2, 3, 4, 5, 6));
  EXPECT_EQ(store_.offsets[0], 7);
  EXPECT_EQ(consumer_.committed[0], 7) << "Kafka commit follows the database commit";
  for (int size : store_.batch_sizes) EXPECT_LE(size, 3);
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
  store_.persist_failures_left = 1;
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

}  // namespace
}  // namespace ingest
