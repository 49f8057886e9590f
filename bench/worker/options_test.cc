#include "bench/worker/options.h"

#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/flags/cli.h"

namespace ingest::bench_worker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What a command line parsed into: the exit status cli::Parse asked for
// (nullopt: go on) and what it printed to stderr.
struct Parsed {
  std::optional<int> exit_status;
  std::string error;
  WorkerBenchOptions options;
};

// Parses `flags`, after the endpoints unless `with_endpoints` is false.
Parsed Parse(std::vector<std::string> flags, bool with_endpoints = true) {
  if (with_endpoints) {
    flags.insert(flags.begin(), {"--kafka_bootstrap=127.0.0.1:1", "--pg_dsn=host=h port=2"});
  }
  flags.insert(flags.begin(), "worker_bench");
  std::vector<char*> argv;
  for (std::string& flag : flags) argv.push_back(flag.data());
  Parsed parsed;
  CLI::App app("", "worker_bench");
  AddWorkerBenchFlags(app, parsed.options);
  ::testing::internal::CaptureStderr();
  parsed.exit_status = cli::Parse(app, static_cast<int>(argv.size()), argv.data());
  parsed.error = ::testing::internal::GetCapturedStderr();
  return parsed;
}

TEST(FlagsTest, DefaultsAreTheStructsAndTheWorkerCommandFollowsTheDoubleDash) {
  const Parsed parsed = Parse({"--", "/bin/worker", "--pg_dsn=other", "--quick"});
  ASSERT_EQ(parsed.exit_status, std::nullopt) << parsed.error;
  const WorkerBenchOptions& options = parsed.options;
  EXPECT_EQ(options.kafka_bootstrap, "127.0.0.1:1");
  EXPECT_EQ(options.pg_dsn, "host=h port=2");
  EXPECT_THAT(options.worker_command, ElementsAre("/bin/worker", "--pg_dsn=other", "--quick"));
  const WorkerBenchOptions defaults;
  EXPECT_FALSE(options.quick);
  EXPECT_EQ(options.runs, defaults.runs);
  EXPECT_EQ(options.sizes, defaults.sizes);
  EXPECT_EQ(options.phase_bytes, defaults.phase_bytes);
  EXPECT_EQ(options.stall_timeout, defaults.stall_timeout);
}

TEST(FlagsTest, ValuesReachTheirFields) {
  const Parsed parsed =
      Parse({"--sizes=10KB,1MB", "--phase_bytes=16MB", "--copy_batch_bytes=1MB", "--partitions=4",
             "--many_partitions=0", "--poll_interval=1s", "--kafka_pid=7", "--", "/bin/worker"});
  ASSERT_EQ(parsed.exit_status, std::nullopt) << parsed.error;
  EXPECT_THAT(parsed.options.sizes, ElementsAre(10 * 1024, 1024 * 1024));
  EXPECT_EQ(parsed.options.phase_bytes, int64_t{16} << 20);
  EXPECT_EQ(parsed.options.copy_batch_bytes, int64_t{1} << 20);
  EXPECT_EQ(parsed.options.base_partitions, 4);
  EXPECT_EQ(parsed.options.many_partitions, 0);
  EXPECT_EQ(parsed.options.poll_interval, absl::Seconds(1));
  EXPECT_EQ(parsed.options.kafka_pid, 7);
}

TEST(FlagsTest, QuickShrinksEveryPhaseAndOverridesTheirFlagsButAGivenRunsWins) {
  Parsed parsed = Parse({"--quick", "--sessions=10", "--", "/bin/worker"});
  ASSERT_EQ(parsed.exit_status, std::nullopt) << parsed.error;
  const WorkerBenchOptions& quick = parsed.options;
  EXPECT_TRUE(quick.quick);
  EXPECT_EQ(quick.runs, 1);
  EXPECT_EQ(quick.sessions, 256);
  EXPECT_EQ(PlanPhases(quick).size(), PlanPhases(WorkerBenchOptions()).size());
  for (const int64_t size : quick.sizes) {
    EXPECT_LE(RecordsFor(quick, size), 400);
    EXPECT_GE(RecordsFor(quick, size), 40);
  }

  parsed = Parse({"--runs=2", "--quick", "--", "/bin/worker"});
  ASSERT_EQ(parsed.exit_status, std::nullopt) << parsed.error;
  EXPECT_EQ(parsed.options.runs, 2);
  EXPECT_EQ(parsed.options.max_records, 400);
}

TEST(FlagsTest, BadCommandLinesAreUsageErrorsThatSayWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--sizes=10XB", "--sizes"},
      {"--sizes=512B", "outside [1KB, 8MB]"},
      {"--phase_bytes=lots", "--phase_bytes"},
      {"--max_records=10", "--max_records >= --min_records"},
      {"--partitions=0", "--partitions must be >= 1"},
      {"--poll_interval=0s", "intervals and timeouts must be positive"},
      {"--stall_timeout=soon", "--stall_timeout"},
      {"--runs=0", "--runs must be at least 1"},
      {"--no_such_flag=1", "--no_such_flag"}};
  for (const auto& [flag, why] : cases) {
    const Parsed parsed = Parse({flag, "--", "/bin/worker"});
    EXPECT_EQ(parsed.exit_status, cli::kExitUsage) << flag;
    EXPECT_THAT(parsed.error, HasSubstr(why)) << flag;
  }
  EXPECT_THAT(Parse({"--", "/bin/worker"}, /*with_endpoints=*/false).error,
              HasSubstr("--kafka_bootstrap is required"));
  EXPECT_THAT(Parse({"--kafka_bootstrap=k", "--", "/bin/worker"}, false).error,
              HasSubstr("--pg_dsn is required"));
  const Parsed no_worker = Parse({"--sessions=10"});
  EXPECT_EQ(no_worker.exit_status, cli::kExitUsage);
  EXPECT_THAT(no_worker.error, HasSubstr("after `--`"));
}

TEST(FlagsTest, HelpListsTheFlagsWithTheirDefaults) {
  WorkerBenchOptions options;
  CLI::App app("", "worker_bench");
  AddWorkerBenchFlags(app, options);
  const std::string help = app.help();
  for (const char* expected : {"--kafka_bootstrap", "--copy_batch_bytes SIZE=64MB",
                               "--phase_bytes SIZE=2048MB", "--sizes SIZES=10KB,100KB,1MB",
                               "--poll_interval DURATION=150ms", "--runs INT=3", "Exit status"}) {
    EXPECT_THAT(help, HasSubstr(expected));
  }
}

// Options as a valid command line leaves them.
WorkerBenchOptions Valid() {
  WorkerBenchOptions options;
  options.kafka_bootstrap = "127.0.0.1:1";
  options.pg_dsn = "host=127.0.0.1 port=2";
  options.worker_command = {"/bin/worker"};
  return options;
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
  EXPECT_EQ(RecordsFor(options, 1024), 5000);            // capped
  EXPECT_EQ(RecordsFor(options, int64_t{8} << 20), 12);  // 100MB / 8MB
  options.min_records = 50;
  EXPECT_EQ(RecordsFor(options, int64_t{8} << 20), 50);  // floored
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
