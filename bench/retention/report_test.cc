#include "bench/retention/report.h"

#include <vector>

#include "bench/common/results_file.h"
#include "bench/retention/data_size.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_retention {
namespace {

using ::testing::HasSubstr;

// A day of `size` (100KB payloads, 8 to a session) filled in `fill_s` and
// expired in `enforce_s`.
SizeResult Size(int64_t size, double enforce_s, double fill_s = 10) {
  RetentionBenchOptions options;
  SizeResult result{.size_bytes = size};
  result.fill.plan = PlanFill(options, size);
  result.fill.elapsed = absl::Seconds(fill_s);
  result.fill.table_bytes = result.fill.plan.data_bytes() + (1 << 20);
  result.timing.elapsed = absl::Seconds(enforce_s);
  result.timing.ensure = absl::Milliseconds(10);
  result.timing.drop = absl::Milliseconds(50);
  result.timing.sessions = absl::Seconds(-1);  // not told apart
  result.timing.report.partitions.resize(2);
  result.timing.report.bytes_dropped = size;
  result.timing.report.sessions_deleted = result.fill.plan.sessions;
  return result;
}

WorkerRun Worker(double without, double during, double enforce_s = 0.5) {
  WorkerRun run;
  run.without = {.length = absl::Seconds(20),
                 .records = static_cast<int64_t>(without * 20),
                 .longest_call = absl::Milliseconds(300),
                 .records_per_s = without,
                 .mb_per_s = without / 10};
  run.during = {.length = absl::Seconds(20),
                .records = static_cast<int64_t>(during * 20),
                .longest_call = absl::Milliseconds(900),
                .records_per_s = during,
                .mb_per_s = during / 10};
  run.while_enforcing = {.records_per_s = during / 2};
  run.before = run.without;
  run.after = run.without;
  run.timing.elapsed = absl::Seconds(enforce_s);
  return run;
}

TEST(ReportTest, SizeLineSaysTheTimesWhatWentAndTheFill) {
  EXPECT_EQ(FormatSizeLine(Size(kGiB, 0.4123)),
            "bench retention: size=1GB enforce_s=0.412 drop_s=0.0500 sessions_s=n/a "
            "partitions_dropped=2 bytes_dropped_mb=1024 sessions_deleted=1311 fill_s=10.0 "
            "fill_mb_per_s=102");
}

TEST(ReportTest, EnforceRatioIsTheLargestOverTheSmallestWhateverTheOrder) {
  const std::vector<SizeResult> sizes = {Size(10 * kGiB, 0.6), Size(kGiB, 0.4)};
  EXPECT_EQ(FormatEnforceRatioLine(sizes),
            "bench retention: enforce_ratio=1.50 (10GB/1GB) enforce_s 1GB=0.400 10GB=0.600");
  EXPECT_EQ(FormatEnforceRatioLine({Size(kGiB, 0.4)}), std::nullopt);
}

TEST(ReportTest, WorkerLineGivesMediansTheLongestCallAndTheRatioSpread) {
  RetentionBenchOptions options;
  const std::vector<WorkerRun> runs = {Worker(100, 95), Worker(110, 88, 0.7), Worker(90, 90, 0.6)};
  EXPECT_EQ(FormatWorkerLine(runs, options),
            "bench retention: worker expired=10GB record=100KB records_per_tx=100 "
            "without_records_per_s=100 during_records_per_s=90.0 without_mb_per_s=10.0 "
            "during_mb_per_s=9.00 ratio=0.95 ratio_spread=0.80-1.00 runs=3 "
            "longest_call_ms_without=300 longest_call_ms_during=900 enforce_s=0.600 "
            "while_enforcing_records_per_s=45.0 window_s=20.0 incomplete_runs=0");
}

TEST(ReportTest, TargetsHoldMissAndGoUnmeasured) {
  RetentionBenchOptions options;  // 1GB and 10GB; 2x + 1 s; 0.9
  std::vector<TargetCheck> checks =
      EvaluateTargets({Size(kGiB, 0.5), Size(10 * kGiB, 1.9)}, {Worker(100, 95)}, options);
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].name, "enforce@10GB<=2x_1GB+1s");
  EXPECT_TRUE(checks[0].held) << "1.9 s <= 2 x 0.5 s + 1 s";
  EXPECT_EQ(checks[0].detail, "10GB 1.90 s, 1GB 0.500 s");
  EXPECT_EQ(checks[1].name, "worker_during>=0.9x_without");
  EXPECT_TRUE(checks[1].held);
  EXPECT_EQ(checks[2].name, "expired_beside_writer");
  EXPECT_TRUE(checks[2].held);
  EXPECT_EQ(checks[2].detail, "1 of 1 runs");

  checks = EvaluateTargets({Size(kGiB, 0.5), Size(10 * kGiB, 2.1)}, {Worker(100, 85)}, options);
  EXPECT_FALSE(checks[0].held);
  EXPECT_FALSE(checks[1].held);
  EXPECT_EQ(bench::FormatTargetsLine("retention", checks),
            "bench retention: targets enforce@10GB<=2x_1GB+1s MISSED (10GB 2.10 s, 1GB 0.500 s); "
            "worker_during>=0.9x_without MISSED (0.85); expired_beside_writer held (1 of 1 runs)");

  WorkerRun incomplete = Worker(100, 10);
  incomplete.incomplete = "enforcement left the expired day in place: deadlock detected";
  checks = EvaluateTargets({}, {Worker(100, 95), incomplete}, options);
  EXPECT_TRUE(checks[1].held) << "the incomplete run is left out";
  EXPECT_EQ(checks[1].detail, "0.95; 1 of 2 runs left out: enforcement did not expire the day");
  EXPECT_FALSE(checks[2].held);
  EXPECT_EQ(checks[2].detail, "1 of 2 runs");
  EXPECT_THAT(FormatWorkerLine(std::vector<WorkerRun>{incomplete}, options),
              HasSubstr("incomplete_runs=1"));
  checks = EvaluateTargets({}, {incomplete}, options);
  EXPECT_FALSE(checks[1].measured);
  EXPECT_EQ(checks[1].detail, "1 of 1 runs left out: enforcement did not expire the day");

  checks = EvaluateTargets({Size(kGiB, 0.5)}, {}, options);
  EXPECT_FALSE(checks[0].measured);
  EXPECT_FALSE(checks[1].measured);
  EXPECT_FALSE(checks[2].measured);
}

TEST(ReportTest, RecordsCarryTheNumbersAsJson) {
  RetentionBenchOptions options;
  const std::string run_record =
      bench::ToJsonLine(RunRecordOf(options, absl::FromUnixSeconds(0), 2, "ext4 rw,discard"));
  EXPECT_THAT(run_record, HasSubstr("\"sizes\":\"1GB,10GB\""));
  EXPECT_THAT(run_record, HasSubstr("\"filesystem\":\"ext4 rw,discard\""));
  SizeResult result = Size(kGiB, 0.25);
  result.timing.steps = {{absl::Milliseconds(12), "partitions ahead: 0 created"}};
  const std::string size = bench::ToJsonLine(SizeRecordOf(result));
  EXPECT_THAT(size, HasSubstr("\"steps\":[\"0.012s partitions ahead: 0 created\"]"));
  EXPECT_THAT(size, HasSubstr("\"kind\":\"size\""));
  EXPECT_THAT(size, HasSubstr("\"enforce_s\":0.25"));
  EXPECT_THAT(size, HasSubstr("\"sessions_s\":-1"));
  EXPECT_THAT(size, HasSubstr("\"sessions_deleted\":1311"));
  const std::string run = bench::ToJsonLine(WorkerRunRecordOf(1, Worker(100, 95)));
  EXPECT_THAT(run, HasSubstr("\"ratio\":0.95"));
  EXPECT_THAT(run, HasSubstr("\"during_longest_call_ms\":900"));
  EXPECT_THAT(run, HasSubstr("\"before_records_per_s\":100"));
  const std::string worker = bench::ToJsonLine(WorkerRecordOf({Worker(100, 95)}, options));
  EXPECT_THAT(worker, HasSubstr("\"kind\":\"worker\""));
  EXPECT_THAT(worker, HasSubstr("\"expired\":\"10GB\""));
}

}  // namespace
}  // namespace ingest::bench_retention
