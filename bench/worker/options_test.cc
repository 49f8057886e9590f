#include "bench/worker/options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_worker {
namespace {

using ::testing::HasSubstr;

WorkerBenchOptions Valid() {
  WorkerBenchOptions options;
  options.kafka_bootstrap = "127.0.0.1:1";
  options.pg_dsn = "host=127.0.0.1 port=2";
  options.worker_command = {"/bin/worker"};
  return options;
}

std::string Message(const WorkerBenchOptions& options) {
  return std::string(ValidateOptions(options).message());
}

TEST(OptionsTest, DefaultsWithEndpointsAreValid) { EXPECT_TRUE(ValidateOptions(Valid()).ok()); }

TEST(OptionsTest, EndpointsAndWorkerAreRequired) {
  WorkerBenchOptions options = Valid();
  options.kafka_bootstrap.clear();
  EXPECT_THAT(Message(options), HasSubstr("--kafka_bootstrap"));
  options = Valid();
  options.pg_dsn.clear();
  EXPECT_THAT(Message(options), HasSubstr("--pg_dsn"));
  options = Valid();
  options.worker_command.clear();
  EXPECT_THAT(Message(options), HasSubstr("after `--`"));
}

TEST(OptionsTest, RejectsBadSizesCountsAndDurations) {
  WorkerBenchOptions options = Valid();
  options.sizes = {512};
  EXPECT_THAT(Message(options), HasSubstr("outside [1KB, 8MB]"));
  options = Valid();
  options.max_records = options.min_records - 1;
  EXPECT_FALSE(ValidateOptions(options).ok());
  options = Valid();
  options.base_partitions = 0;
  EXPECT_FALSE(ValidateOptions(options).ok());
  options = Valid();
  options.poll_interval = absl::ZeroDuration();
  EXPECT_FALSE(ValidateOptions(options).ok());
  options = Valid();
  options.runs = 0;
  EXPECT_THAT(Message(options), HasSubstr("--runs"));
}

TEST(OptionsTest, QuickKeepsEveryPhaseButShrinksThem) {
  WorkerBenchOptions options = Valid();
  ApplyQuick(options);
  EXPECT_TRUE(options.quick);
  EXPECT_EQ(options.runs, 1);
  EXPECT_TRUE(ValidateOptions(options).ok());
  EXPECT_EQ(PlanPhases(options).size(), PlanPhases(Valid()).size());
  for (const int64_t size : options.sizes) {
    EXPECT_LE(RecordsFor(options, size), 400);
    EXPECT_GE(RecordsFor(options, size), 40);
  }
}

TEST(OptionsTest, PlanMeasuresEachSizeThenManyPartitions) {
  const std::vector<Phase> phases = PlanPhases(Valid());
  ASSERT_EQ(phases.size(), 4u);
  EXPECT_EQ(phases[0].size_bytes, 10 * 1024);
  EXPECT_EQ(phases[1].size_bytes, 100 * 1024);
  EXPECT_EQ(phases[2].size_bytes, 1024 * 1024);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(phases[i].partitions, 8);
    EXPECT_TRUE(phases[i].raw_copy);
  }
  EXPECT_EQ(phases[3].size_bytes, 100 * 1024);
  EXPECT_EQ(phases[3].partitions, 768);
  EXPECT_FALSE(phases[3].raw_copy);
}

TEST(OptionsTest, PlanAddsABasePhaseWhenSizesLackThePartitionsSize) {
  WorkerBenchOptions options = Valid();
  options.sizes = {10 * 1024};
  const std::vector<Phase> phases = PlanPhases(options);
  ASSERT_EQ(phases.size(), 3u);
  EXPECT_EQ(phases[1].size_bytes, 100 * 1024);
  EXPECT_EQ(phases[1].partitions, 8);
  EXPECT_FALSE(phases[1].raw_copy);
  EXPECT_EQ(phases[2].partitions, 768);

  options.many_partitions = 0;
  EXPECT_EQ(PlanPhases(options).size(), 1u);
}

TEST(OptionsTest, RecordsFollowThePhaseBudgetWithinBounds) {
  WorkerBenchOptions options = Valid();
  options.phase_bytes = int64_t{100} << 20;
  options.min_records = 10;
  options.max_records = 5000;
  EXPECT_EQ(RecordsFor(options, 100 * 1024), 1024);
  EXPECT_EQ(RecordsFor(options, 1024), 5000);             // capped
  EXPECT_EQ(RecordsFor(options, int64_t{8} << 20), 12);   // 100MB / 8MB
  options.min_records = 50;
  EXPECT_EQ(RecordsFor(options, int64_t{8} << 20), 50);   // floored
}

TEST(OptionsTest, CopyBatchesHoldWhatAWorkerBatchHolds) {
  const WorkerBenchOptions options = Valid();  // 2000 records, 64 MB
  EXPECT_EQ(CopyBatchRows(options, 10 * 1024), 2000);
  EXPECT_EQ(CopyBatchRows(options, 100 * 1024 + 100), 654);
  EXPECT_EQ(CopyBatchRows(options, 1024 * 1024 + 100), 63);
  EXPECT_EQ(CopyBatchRows(options, int64_t{128} << 20), 1);
}

TEST(OptionsTest, DiskNeedCountsEveryPhaseInKafkaAndTheLargestTwice) {
  WorkerBenchOptions options = Valid();
  options.sizes = {1024 * 1024};
  options.many_partitions = 0;
  options.phase_bytes = int64_t{10} << 20;
  options.min_records = 1;
  // 10 records of 1 MB: 10 MB in Kafka, twice in PostgreSQL.
  EXPECT_EQ(DiskBytesNeeded(options), int64_t{30} << 20);
}

}  // namespace
}  // namespace ingest::bench_worker
