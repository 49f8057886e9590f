#include "services/worker/batch_writer_pool.h"

#include <atomic>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/worker/testing/fake_store.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;

// Forwards to one shared FakeTaskStore under a lock (writers run on their
// own threads) and counts transactions.
class SharedStore : public TaskStore {
 public:
  SharedStore(FakeTaskStore& store, absl::Mutex& mu) : store_(store), mu_(mu) {}
  absl::StatusOr<PartitionOffsets> LoadNextOffsets(const std::string& topic,
                                                   const std::vector<int32_t>& partitions) override {
    absl::MutexLock lock(&mu_);
    return store_.LoadNextOffsets(topic, partitions);
  }
  absl::StatusOr<QuarantinedSessions> LoadQuarantinedSessions(
      const std::string& topic, const std::vector<int32_t>& partitions) override {
    absl::MutexLock lock(&mu_);
    return store_.LoadQuarantinedSessions(topic, partitions);
  }
  absl::StatusOr<std::optional<QuarantineRow>> LoadQuarantine(
      const std::string& topic, const std::string& session_id) override {
    absl::MutexLock lock(&mu_);
    return store_.LoadQuarantine(topic, session_id);
  }
  absl::StatusOr<PersistOutcome> PersistBatches(const std::string& topic,
                                                absl::Span<const PartitionBatch> batches,
                                                const DeadLetterSink& sink) override {
    ++persist_entered;
    absl::MutexLock lock(&mu_);
    transaction_sizes.push_back(static_cast<int>(batches.size()));
    return store_.PersistBatches(topic, batches, sink);
  }
  absl::Status Ping() override { return absl::OkStatus(); }
  absl::StatusOr<int64_t> ExpireStreamChunks(absl::Duration, int) override { return 0; }
  absl::StatusOr<PartitionsEnsured> EnsureDayPartitions(int, int) override {
    return PartitionsEnsured();
  }
  absl::StatusOr<LiveSessions> ReadLiveSessions() override { return LiveSessions{}; }
  std::vector<int> transaction_sizes;
  std::atomic<int> persist_entered{0};

 private:
  FakeTaskStore& store_;
  absl::Mutex& mu_;
};

PartitionBatch Batch(int32_t partition, int64_t first, int count, int64_t bytes_each = 10) {
  PartitionBatch batch{partition, {}, first + count};
  for (int i = 0; i < count; ++i) {
    TaskRecord record;
    record.offset = first + i;
    record.value_bytes = bytes_each;
    batch.records.push_back(std::move(record));
  }
  return batch;
}

class BatchWriterPoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<BatchWriterPool> NewPool(BatchWriterPoolOptions options) {
    return std::make_unique<BatchWriterPool>(
        options,
        [this] {
          auto store = std::make_unique<SharedStore>(fake_, mu_);
          stores_.push_back(store.get());
          return store;
        },
        nullptr, metrics_);
  }

  // Collects results until `count` arrived (each wait bounded).
  std::vector<BatchResult> Collect(BatchWriter& writer, size_t count) {
    std::vector<BatchResult> all;
    for (int round = 0; round < 200 && all.size() < count; ++round) {
      for (BatchResult& result : writer.TakeResults(absl::Milliseconds(50))) {
        all.push_back(std::move(result));
      }
    }
    return all;
  }

  absl::Mutex mu_;
  FakeTaskStore fake_;
  std::vector<SharedStore*> stores_;
  prometheus::Registry registry_;
  WorkerMetrics metrics_{registry_};
};

TEST_F(BatchWriterPoolTest, EveryBatchComesBackOnceWithItsStatus) {
  auto pool = NewPool({.threads = 2});
  for (int32_t partition = 0; partition < 6; ++partition) pool->Submit(Batch(partition, 0, 3));
  std::vector<BatchResult> results = Collect(*pool, 6);
  ASSERT_EQ(results.size(), 6u);
  std::set<int32_t> partitions;
  for (const BatchResult& result : results) {
    EXPECT_TRUE(result.status.ok());
    EXPECT_EQ(result.batch.records.size(), 3u) << "returned as submitted";
    partitions.insert(result.batch.partition);
  }
  EXPECT_EQ(partitions.size(), 6u);
  absl::MutexLock lock(&mu_);
  EXPECT_THAT(fake_.persisted[5], ElementsAre(0, 1, 2));
  EXPECT_EQ(fake_.offsets[5], 3);
}

TEST_F(BatchWriterPoolTest, QueuedBatchesShareATransactionWithinItsLimits) {
  std::unique_ptr<BatchWriterPool> pool;
  {
    // Hold the store so that everything queues up behind the first batch.
    absl::MutexLock lock(&mu_);
    pool = NewPool({.threads = 1, .max_transaction_records = 7});
    for (int32_t partition = 0; partition < 5; ++partition) pool->Submit(Batch(partition, 0, 3));
  }
  ASSERT_EQ(Collect(*pool, 5).size(), 5u);
  absl::MutexLock lock(&mu_);
  int batches = 0;
  for (int size : stores_[0]->transaction_sizes) {
    EXPECT_LE(size * 3, 7) << "a transaction stays within max_transaction_records";
    batches += size;
  }
  EXPECT_EQ(batches, 5);
  EXPECT_LT(stores_[0]->transaction_sizes.size(), 5u) << "some batches shared a transaction";
}

TEST_F(BatchWriterPoolTest, AnOversizedBatchStillGoesAloneInItsOwnTransaction) {
  auto pool = NewPool({.threads = 1, .max_transaction_bytes = 5});
  pool->Submit(Batch(0, 0, 2, /*bytes_each=*/100));
  std::vector<BatchResult> results = Collect(*pool, 1);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].status.ok());
}

TEST_F(BatchWriterPoolTest, AFailedTransactionFailsEachOfItsBatches) {
  {
    absl::MutexLock lock(&mu_);
    fake_.failing_partitions = {1};
  }
  auto pool = NewPool({.threads = 1});
  pool->Submit(Batch(1, 0, 2));
  std::vector<BatchResult> results = Collect(*pool, 1);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(results[0].batch.records.size(), 2u) << "kept for the retry";
}

// Partition 1 holds a record PostgreSQL refuses; partition 0's batch shares
// its transaction. Only partition 1's batch may report the data error: the
// loop dead-letters the culprit of a one-record batch that reports it.
TEST_F(BatchWriterPoolTest, ADataErrorInASharedTransactionIsReportedOnlyByTheBatchThatHasIt) {
  std::unique_ptr<BatchWriterPool> pool;
  {
    absl::MutexLock lock(&mu_);
    fake_.refused_offsets = {11};
    pool = NewPool({.threads = 1});
    pool->Submit(Batch(9, 100, 1));
    // The writer is inside the first transaction: the next two queue up and
    // are taken together.
    for (int wait = 0; wait < 500 && stores_[0]->persist_entered == 0; ++wait) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(stores_[0]->persist_entered, 1);
    pool->Submit(Batch(0, 0, 1));
    pool->Submit(Batch(1, 11, 1));
  }
  std::vector<BatchResult> results = Collect(*pool, 3);
  ASSERT_EQ(results.size(), 3u);
  std::map<int32_t, absl::StatusCode> code_of;
  for (const BatchResult& result : results) code_of[result.batch.partition] = result.status.code();
  EXPECT_EQ(code_of[0], absl::StatusCode::kOk) << "the innocent batch is written";
  EXPECT_EQ(code_of[1], absl::StatusCode::kInvalidArgument);
  absl::MutexLock lock(&mu_);
  EXPECT_THAT(fake_.persisted[0], ElementsAre(0));
  EXPECT_EQ(stores_[0]->transaction_sizes.at(1), 2) << "the two batches did share a transaction";
}

TEST_F(BatchWriterPoolTest, NoResultsMeansAnEmptyAnswerAfterTheWait) {
  auto pool = NewPool({.threads = 1});
  EXPECT_TRUE(pool->TakeResults(absl::Milliseconds(1)).empty());
}

}  // namespace
}  // namespace ingest
