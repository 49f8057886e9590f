#include "tools/bench_worker/report.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_worker {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

PhaseResult Result(int64_t size, int partitions, double worker, std::optional<double> copy) {
  PhaseResult result;
  result.phase = {.size_bytes = size, .partitions = partitions, .raw_copy = copy.has_value()};
  result.worker.msgs_per_s = worker;
  if (copy.has_value()) {
    result.copy = CopyThroughput{};
    result.copy->msgs_per_s = *copy;
  }
  return result;
}

TEST(ReportTest, RateIsRecordsOverTheWindow) {
  EXPECT_DOUBLE_EQ(Rate(300, absl::Seconds(2)), 150);
  EXPECT_EQ(Rate(300, absl::ZeroDuration()), 0);
}

TEST(ReportTest, SizeLineHasTheIssueFormat) {
  EXPECT_EQ(FormatSizeLine(Result(100 * 1024, 8, 1234.6, 1600)),
            "bench worker: size=100KB worker_msgs_per_s=1235 raw_copy_msgs_per_s=1600 "
            "ratio=0.77 partitions=8");
  EXPECT_EQ(FormatSizeLine(Result(1024 * 1024, 8, 95.26, std::nullopt)),
            "bench worker: size=1MB worker_msgs_per_s=95.3 raw_copy_msgs_per_s=- ratio=- "
            "partitions=8");
}

TEST(ReportTest, PartitionsLine) {
  EXPECT_EQ(FormatPartitionsLine(768, 8, 0.8349), "bench worker: partitions=768 ratio_vs_8=0.83");
}

TEST(ReportTest, TargetsHeldMissedAndNotMeasured) {
  WorkerBenchOptions options;
  std::vector<PhaseResult> results = {Result(10 * 1024, 8, 5000, 6000),
                                      Result(100 * 1024, 8, 1500, 2000),
                                      Result(100 * 1024, 768, 1000, std::nullopt)};
  std::vector<TargetCheck> checks = EvaluateTargets(results, options);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_TRUE(checks[0].measured);
  EXPECT_TRUE(checks[0].held);  // 0.75 >= 0.7
  EXPECT_EQ(checks[0].detail, "0.75");
  EXPECT_TRUE(checks[1].measured);
  EXPECT_FALSE(checks[1].held);  // 0.67 < 0.8
  EXPECT_EQ(FormatWorkerTargetsLine(checks),
            "bench worker: targets ratio@100KB>=0.7 held (0.75); partitions768>=0.8x_8 MISSED "
            "(0.67)");

  results.pop_back();
  checks = EvaluateTargets(results, options);
  EXPECT_FALSE(checks[1].measured);
  EXPECT_THAT(FormatWorkerTargetsLine(checks), HasSubstr("partitions768>=0.8x_8 not measured"));
}

TEST(ReportTest, RatioTargetNeedsTheCopyOfItsSize) {
  WorkerBenchOptions options;
  const std::vector<PhaseResult> results = {Result(10 * 1024, 8, 5000, 6000)};
  const std::vector<TargetCheck> checks = EvaluateTargets(results, options);
  EXPECT_FALSE(checks[0].measured);
  EXPECT_EQ(PartitionsRatio(results, options), std::nullopt);
}

TEST(ReportTest, PartitionsRatioComparesTheSameSize) {
  WorkerBenchOptions options;
  const std::vector<PhaseResult> results = {Result(100 * 1024, 8, 2000, 2500),
                                            Result(100 * 1024, 768, 1800, std::nullopt)};
  ASSERT_TRUE(PartitionsRatio(results, options).has_value());
  EXPECT_DOUBLE_EQ(*PartitionsRatio(results, options), 0.9);
}

TEST(ReportTest, PhaseJsonHasBothSides) {
  PhaseResult result = Result(100 * 1024, 8, 1500, 2000);
  result.copy->storage = "zstd";
  result.topic = "bench.worker.t.100kb.p8";
  const std::string json = PhaseResultJson(result);
  EXPECT_THAT(json, StartsWith("{\"kind\":\"phase\",\"size\":\"100KB\""));
  EXPECT_THAT(json, HasSubstr("\"worker_msgs_per_s\":1500"));
  EXPECT_THAT(json, HasSubstr("\"raw_copy_msgs_per_s\":2000"));
  EXPECT_THAT(json, HasSubstr("\"ratio\":0.75"));
  EXPECT_THAT(json, HasSubstr("\"raw_copy_storage\":\"zstd\""));
  EXPECT_THAT(PhaseResultJson(Result(100 * 1024, 768, 1, std::nullopt)),
              ::testing::Not(HasSubstr("raw_copy")));
}

}  // namespace
}  // namespace ingest::bench_worker
