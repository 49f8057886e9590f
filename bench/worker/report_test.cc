#include "bench/worker/report.h"

#include <vector>

#include "bench/common/results_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_worker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

WorkerThroughput WorkerRun(double msgs_per_s, double cpu_s = -1, double gib = 0) {
  WorkerThroughput run;
  run.msgs_per_s = msgs_per_s;
  run.worker_cpu_s = cpu_s;
  run.persisted_bytes = static_cast<int64_t>(gib * (int64_t{1} << 30));
  return run;
}

CopyThroughput CopyRun(double msgs_per_s) {
  CopyThroughput run;
  run.msgs_per_s = msgs_per_s;
  return run;
}

// One run of each side; no COPY when `copy` is nullopt.
PhaseResult Result(int64_t size, int partitions, double worker, std::optional<double> copy) {
  PhaseResult result;
  result.phase = {.size_bytes = size, .partitions = partitions, .raw_copy = copy.has_value()};
  result.worker_runs = {WorkerRun(worker)};
  if (copy.has_value()) result.copy_runs = {CopyRun(*copy)};
  return result;
}

TEST(ReportTest, RateIsRecordsOverTheWindow) {
  EXPECT_DOUBLE_EQ(Rate(300, absl::Seconds(2)), 150);
  EXPECT_EQ(Rate(300, absl::ZeroDuration()), 0);
}

TEST(ReportTest, SizeLineHasTheIssueFormatWithTheNewFieldsAdded) {
  EXPECT_EQ(FormatSizeLine(Result(100 * 1024, 8, 1234.6, 1600)),
            "bench worker: size=100KB worker_msgs_per_s=1235 raw_copy_msgs_per_s=1600 "
            "ratio=0.77 partitions=8 ratio_spread=0.77-0.77 runs=1 worker_cpu_s_per_gib=-");
  EXPECT_EQ(FormatSizeLine(Result(1024 * 1024, 8, 95.26, std::nullopt)),
            "bench worker: size=1MB worker_msgs_per_s=95.3 raw_copy_msgs_per_s=- ratio=- "
            "partitions=8 ratio_spread=- runs=1 worker_cpu_s_per_gib=-");
}

TEST(ReportTest, CpuSecondsPerGibPersisted) {
  EXPECT_DOUBLE_EQ(CpuSecondsPerGib(WorkerRun(1, 3.8, 2)), 1.9);
  EXPECT_EQ(CpuSecondsPerGib(WorkerRun(1, -1, 2)), -1);  // CPU not read
  EXPECT_EQ(CpuSecondsPerGib(WorkerRun(1, 3, 0)), -1);   // nothing persisted
}

TEST(ReportTest, InterleavedRunsGiveMedianRatiosWithTheirSpread) {
  PhaseResult result = Result(100 * 1024, 8, 0, 0);
  result.worker_runs = {WorkerRun(1500, 4, 1), WorkerRun(1400, 3, 1), WorkerRun(1600, 5, 1)};
  result.copy_runs = {CopyRun(2000), CopyRun(2000), CopyRun(2000)};  // 0.75, 0.70, 0.80
  EXPECT_EQ(MedianWorkerRun(result).msgs_per_s, 1500);
  EXPECT_THAT(CopyRatioRuns(result), ElementsAre(0.75, 0.7, 0.8));
  EXPECT_EQ(FormatSizeLine(result),
            "bench worker: size=100KB worker_msgs_per_s=1500 raw_copy_msgs_per_s=2000 "
            "ratio=0.75 partitions=8 ratio_spread=0.70-0.80 runs=3 worker_cpu_s_per_gib=4.00");
  const PhaseRecord record = PhaseRecordOf(result);
  EXPECT_EQ(record.worker_cpu_s_per_gib(), 4);
  EXPECT_EQ(record.runs(), 3);
  EXPECT_THAT(record.worker_runs_msgs_per_s(), ElementsAre(1500, 1400, 1600));
  EXPECT_THAT(record.worker_cpu_s_per_gib_runs(), ElementsAre(4, 3, 5));
  EXPECT_EQ(record.ratio(), 0.75);
  EXPECT_EQ(record.ratio_spread_min(), 0.7);
  EXPECT_EQ(record.ratio_spread_max(), 0.8);
  EXPECT_THAT(record.ratio_runs(), ElementsAre(0.75, 0.7, 0.8));
  EXPECT_THAT(record.raw_copy_runs_msgs_per_s(), ElementsAre(2000, 2000, 2000));

  WorkerBenchOptions options;
  const std::vector<TargetCheck> checks = EvaluateTargets({result}, options);
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_EQ(checks[0].detail, "0.75, runs 0.70-0.80");
  EXPECT_EQ(checks[3].name, "worker_cpu_s_per_gib@100KB<=1");
  EXPECT_TRUE(checks[3].measured);
  EXPECT_FALSE(checks[3].held);
  EXPECT_EQ(checks[3].detail, "4.00, runs 3.00-5.00");
}

TEST(ReportTest, PartitionsRatioPairsEachManyRunWithABaseRun) {
  WorkerBenchOptions options;
  PhaseResult many = Result(100 * 1024, 768, 0, std::nullopt);
  many.worker_runs = {WorkerRun(900), WorkerRun(800), WorkerRun(950)};
  many.base_runs_msgs_per_s = {1000, 1000, 1000};
  const std::vector<PhaseResult> results = {Result(100 * 1024, 8, 2000, 2500), many};
  const std::optional<bench::RunSpread> spread = PartitionsSpread(results, options);
  ASSERT_TRUE(spread.has_value());
  EXPECT_DOUBLE_EQ(spread->median, 0.9);
  EXPECT_EQ(FormatPartitionsLine(768, 8, *spread),
            "bench worker: partitions=768 ratio_vs_8=0.90 ratio_spread=0.80-0.95 runs=3");
  EXPECT_EQ(bench::ToJsonLine(PartitionsRecordOf(options, *spread)),
            R"({"kind":"partitions","partitions":768,"base_partitions":8,"size":"100KB",)"
            R"("ratio_vs_base":0.9,"ratio_spread_min":0.8,"ratio_spread_max":0.95,"runs":3})");
}

TEST(ReportTest, PartitionsRatioWithoutBaseRunsComparesThePhasesMedians) {
  WorkerBenchOptions options;
  std::vector<PhaseResult> results = {Result(100 * 1024, 8, 2000, 2500),
                                      Result(100 * 1024, 768, 1800, std::nullopt)};
  ASSERT_TRUE(PartitionsSpread(results, options).has_value());
  EXPECT_DOUBLE_EQ(PartitionsSpread(results, options)->median, 0.9);
  EXPECT_EQ(FormatPartitionsLine(768, 8, *PartitionsSpread(results, options)),
            "bench worker: partitions=768 ratio_vs_8=0.90 ratio_spread=0.90-0.90 runs=1");
  results.erase(results.begin());
  EXPECT_EQ(PartitionsSpread(results, options), std::nullopt);
}

TEST(ReportTest, TargetsHeldMissedAndNotMeasured) {
  WorkerBenchOptions options;
  std::vector<PhaseResult> results = {Result(10 * 1024, 8, 5000, 6000),
                                      Result(100 * 1024, 8, 1500, 2000),
                                      Result(100 * 1024, 768, 1000, std::nullopt)};
  std::vector<TargetCheck> checks = EvaluateTargets(results, options);
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_TRUE(checks[0].measured);
  EXPECT_TRUE(checks[0].held);  // 0.75 >= 0.7
  EXPECT_EQ(checks[0].detail, "0.75");
  EXPECT_TRUE(checks[1].held);  // 10KB: 0.83 >= 0.5
  EXPECT_TRUE(checks[2].measured);
  EXPECT_FALSE(checks[2].held);      // 0.67 < 0.8
  EXPECT_FALSE(checks[3].measured);  // no CPU readings
  EXPECT_EQ(bench::FormatTargetsLine("worker", checks),
            "bench worker: targets ratio@100KB>=0.7 held (0.75); ratio@10KB>=0.5 held (0.83); "
            "partitions768>=0.8x_8 MISSED (0.67); worker_cpu_s_per_gib@100KB<=1 not measured");

  results.pop_back();
  checks = EvaluateTargets(results, options);
  EXPECT_FALSE(checks[2].measured);
  EXPECT_THAT(bench::FormatTargetsLine("worker", checks),
              HasSubstr("partitions768>=0.8x_8 not measured"));
}

TEST(ReportTest, RatioTargetNeedsTheCopyOfItsSize) {
  WorkerBenchOptions options;
  const std::vector<PhaseResult> results = {Result(10 * 1024, 8, 5000, 6000)};
  EXPECT_FALSE(EvaluateTargets(results, options)[0].measured);
}

TEST(ReportTest, PhaseRecordHasBothSidesAndNoCopyKeysWithoutACopy) {
  PhaseResult result = Result(100 * 1024, 8, 1500, 2000);
  result.copy_runs[0].storage = "zstd";
  result.topic = "bench.worker.t.100kb.p8";
  const std::string json = bench::ToJsonLine(PhaseRecordOf(result));
  EXPECT_THAT(json, HasSubstr(R"({"kind":"phase","size":"100KB","size_bytes":102400,)"));
  EXPECT_THAT(json, HasSubstr(R"("worker_msgs_per_s":1500,)"));
  EXPECT_THAT(json, HasSubstr(R"("raw_copy_msgs_per_s":2000)"));
  EXPECT_THAT(json, HasSubstr(R"("ratio":0.75)"));
  EXPECT_THAT(json, HasSubstr(R"("raw_copy_storage":"zstd")"));
  EXPECT_THAT(json, Not(HasSubstr("worker_cpu_s_per_gib\":")));  // no CPU reading: left out

  const std::string many = bench::ToJsonLine(PhaseRecordOf(Result(100 * 1024, 768, 1, {})));
  EXPECT_THAT(many, Not(HasSubstr("\"ratio\"")));
  EXPECT_THAT(many, Not(HasSubstr("raw_copy_msgs_per_s")));
}

TEST(ReportTest, RunRecordStatesThePlan) {
  WorkerBenchOptions options;
  options.worker_command = {"/bin/worker", "--pg_dsn=x"};
  ApplyQuick(options);
  const RunRecord record = RunRecordOf(options, absl::FromUnixSeconds(0));
  EXPECT_EQ(record.kind(), "run");
  EXPECT_EQ(record.started_at(), "1970-01-01T00:00:00+00:00");
  EXPECT_TRUE(record.quick());
  EXPECT_EQ(record.phases(), "10KBx400@8p+copy 100KBx163@8p+copy 1MBx40@8p+copy 100KBx163@768p");
  EXPECT_EQ(record.worker(), "/bin/worker --pg_dsn=x");
}

}  // namespace
}  // namespace ingest::bench_worker
