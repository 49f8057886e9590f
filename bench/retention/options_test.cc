#include "bench/retention/options.h"

#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/retention/data_size.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/flags/cli.h"

namespace ingest::bench_retention {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What a command line parsed into: the exit status cli::Parse asked for
// (nullopt: go on) and what it printed to stderr.
struct Parsed {
  std::optional<int> exit_status;
  std::string error;
  RetentionBenchOptions options;
};

// Parses `flags`, after --pg_dsn unless `with_dsn` is false.
Parsed Parse(std::vector<std::string> flags, bool with_dsn = true) {
  if (with_dsn) flags.insert(flags.begin(), "--pg_dsn=host=h port=2");
  flags.insert(flags.begin(), "retention_bench");
  std::vector<char*> argv;
  for (std::string& flag : flags) argv.push_back(flag.data());
  Parsed parsed;
  CLI::App app("", "retention_bench");
  AddRetentionBenchFlags(app, parsed.options);
  ::testing::internal::CaptureStderr();
  parsed.exit_status = cli::Parse(app, static_cast<int>(argv.size()), argv.data());
  parsed.error = ::testing::internal::GetCapturedStderr();
  return parsed;
}

TEST(FlagsTest, DefaultsAreTheStructs) {
  const Parsed parsed = Parse({});
  ASSERT_EQ(parsed.exit_status, std::nullopt) << parsed.error;
  const RetentionBenchOptions defaults;
  EXPECT_EQ(parsed.options.pg_dsn, "host=h port=2");
  EXPECT_THAT(parsed.options.sizes, ElementsAre(kGiB, 10 * kGiB));
  EXPECT_EQ(parsed.options.runs, defaults.runs);
  EXPECT_EQ(parsed.options.window, defaults.window);
  EXPECT_EQ(parsed.options.payload_bytes, 100 * kKiB);
  EXPECT_FALSE(parsed.options.quick);
}

TEST(FlagsTest, ValuesReachTheirFields) {
  const Parsed parsed =
      Parse({"--sizes=512MB,2GiB", "--payload_bytes=64KB", "--payloads_per_session=4",
             "--fill_chunk=64MB", "--runs=3", "--worker_expired=1GB", "--record_bytes=10KB",
             "--records_per_transaction=50", "--writer_sessions=2", "--warmup=0s", "--window=7s",
             "--pool_bytes=8MB", "--disk_check_dir=/d", "--results_jsonl=/r.jsonl", "--project=p"});
  ASSERT_EQ(parsed.exit_status, std::nullopt) << parsed.error;
  const RetentionBenchOptions& options = parsed.options;
  EXPECT_THAT(options.sizes, ElementsAre(512 * kMiB, 2 * kGiB));
  EXPECT_EQ(options.payload_bytes, 64 * kKiB);
  EXPECT_EQ(options.payloads_per_session, 4);
  EXPECT_EQ(options.fill_chunk_bytes, 64 * kMiB);
  EXPECT_EQ(options.runs, 3);
  EXPECT_EQ(options.worker_expired_bytes, kGiB);
  EXPECT_EQ(options.record_bytes, 10 * kKiB);
  EXPECT_EQ(options.records_per_transaction, 50);
  EXPECT_EQ(options.writer_sessions, 2);
  EXPECT_EQ(options.warmup, absl::ZeroDuration());
  EXPECT_EQ(options.window, absl::Seconds(7));
  EXPECT_EQ(options.pool_bytes, 8 * kMiB);
  EXPECT_EQ(options.disk_check_dir, "/d");
  EXPECT_EQ(options.results_jsonl, "/r.jsonl");
  EXPECT_EQ(options.project_id, "p");
}

TEST(FlagsTest, QuickShrinksTheRunButFlagsGivenWin) {
  Parsed parsed = Parse({"--quick"});
  ASSERT_EQ(parsed.exit_status, std::nullopt) << parsed.error;
  EXPECT_TRUE(parsed.options.quick);
  EXPECT_THAT(parsed.options.sizes, ElementsAre(100 * kMiB, kGiB));
  EXPECT_EQ(parsed.options.runs, 1);
  EXPECT_EQ(parsed.options.window, absl::Seconds(5));

  parsed = Parse({"--window=9s", "--quick", "--sizes=200MB", "--runs=2"});
  ASSERT_EQ(parsed.exit_status, std::nullopt) << parsed.error;
  EXPECT_THAT(parsed.options.sizes, ElementsAre(200 * kMiB));
  EXPECT_EQ(parsed.options.runs, 2);
  EXPECT_EQ(parsed.options.window, absl::Seconds(9));
  EXPECT_EQ(parsed.options.warmup, absl::Seconds(1)) << "not given: quick's";
}

TEST(FlagsTest, UsageErrorsSayWhatToWrite) {
  Parsed parsed = Parse({}, /*with_dsn=*/false);
  EXPECT_EQ(parsed.exit_status, cli::kExitUsage);
  EXPECT_THAT(parsed.error, HasSubstr("--pg_dsn is required"));

  parsed = Parse({"--sizes=1.5GB"});
  EXPECT_EQ(parsed.exit_status, cli::kExitUsage);
  EXPECT_THAT(parsed.error, HasSubstr("e.g. 100MB, 1GB"));

  parsed = Parse({"--sizes=100KB"});
  EXPECT_EQ(parsed.exit_status, cli::kExitUsage);
  EXPECT_THAT(parsed.error, HasSubstr("less than one session"));

  parsed = Parse({"--runs=-1"});
  EXPECT_EQ(parsed.exit_status, cli::kExitUsage);
  EXPECT_THAT(parsed.error, HasSubstr("--runs must be >= 0"));
}

TEST(OptionsTest, WorkerPhaseExpiresTheLargestSizeUnlessTold) {
  RetentionBenchOptions options;
  options.sizes = {10 * kGiB, kGiB};
  EXPECT_EQ(WorkerExpiredBytes(options), 10 * kGiB);
  options.worker_expired_bytes = 2 * kGiB;
  EXPECT_EQ(WorkerExpiredBytes(options), 2 * kGiB);
}

TEST(OptionsTest, AFillIsWholeSessionsOfAtLeastTheSizeInChunksOfWholeSessions) {
  RetentionBenchOptions options;  // 100KB payloads, 8 to a session (800KB), 256MB chunks
  const FillPlan plan = PlanFill(options, kGiB);
  EXPECT_EQ(plan.sessions, 1311);  // ceil(1GB / 800KB)
  EXPECT_EQ(plan.rows(), 1311 * 8);
  EXPECT_GE(plan.data_bytes(), kGiB);
  EXPECT_LT(plan.data_bytes() - kGiB, 800 * kKiB);
  EXPECT_EQ(plan.sessions_per_chunk, 327);  // 256MB / 800KB
  EXPECT_EQ(plan.chunks(), 5);

  options.fill_chunk_bytes = 1;
  EXPECT_EQ(PlanFill(options, kGiB).sessions_per_chunk, 1);
}

TEST(OptionsTest, DiskNeedIsTheLargestDayAQuarterMoreTheWriterAndAMargin) {
  RetentionBenchOptions options;
  options.sizes = {kGiB};
  options.runs = 0;
  EXPECT_EQ(DiskBytesNeeded(options), PlanFill(options, kGiB).data_bytes() * 5 / 4 + 2 * kGiB);
  options.runs = 1;
  options.worker_expired_bytes = 4 * kGiB;
  options.warmup = absl::Seconds(2);
  options.window = absl::Seconds(4);
  EXPECT_EQ(DiskBytesNeeded(options),
            PlanFill(options, 4 * kGiB).data_bytes() * 5 / 4 + 14 * 128 * kMiB + 2 * kGiB);
}

}  // namespace
}  // namespace ingest::bench_retention
