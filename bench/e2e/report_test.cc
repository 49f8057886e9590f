#include "bench/e2e/report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

using ::testing::HasSubstr;

StepResult Step(double fraction, double rate, bool bounded) {
  StepResult step;
  step.fraction = fraction;
  step.rate_per_s = rate;
  step.achieved_per_s = rate * 0.99;
  step.verdict.bounded = bounded;
  step.verdict.reason = bounded ? "bounded" : "lag grew 5.0/s (> 2% of the rate = 1.4/s)";
  step.lag = {{0.5, 10}, {1, 12}};
  step.cpu.client = 0.25;
  return step;
}

E2eResult Result() {
  E2eResult result;
  result.size_bytes = 100 * 1024;
  result.gateway_max_msgs_per_s = 1200;
  result.worker_max_msgs_per_s = 1000;
  return result;
}

TEST(E2eReportTest, TheHighestBoundedStepSetsTheRatio) {
  E2eResult result = Result();
  result.steps = {Step(0.7, 700, true), Step(0.85, 850, true), Step(1.0, 1000, false)};
  EXPECT_EQ(MinMax(result), 1000);
  EXPECT_EQ(*SustainedRate(result), 850);
  EXPECT_DOUBLE_EQ(E2eRatio(result), 0.85);
  EXPECT_EQ(FormatE2eLine(result),
            "bench e2e: size=100KB sustained_msgs_per_s=850 min_max_msgs_per_s=1000 ratio=0.85 "
            "steps=3 ratio_spread=0.85-1.00 unbounded_msgs_per_s=1000 converged=no "
            "raw_copy_msgs_per_s=n/a ratio_vs_raw_copy=n/a");
  EXPECT_EQ(FormatTargetsLine("e2e", {E2eTarget(result), E2eRawCopyTarget(result)}),
            "bench e2e: targets ratio>=0.7 held (0.85, unbounded at 1.00); "
            "ratio_vs_raw_copy>=0.5 not measured");
  EXPECT_THAT(E2eJson(result), HasSubstr(R"("ratio":0.85,"steps":3,"target":"ratio>=0.7","verdict":"held")"));
}

TEST(E2eReportTest, NothingBoundedIsMissedAndNoStepsIsNotMeasured) {
  E2eResult result = Result();
  result.steps = {Step(0.7, 700, false), Step(0.5, 500, false)};
  EXPECT_EQ(E2eRatio(result), 0);
  EXPECT_EQ(FormatTargetsLine("e2e", {E2eTarget(result)}),
            "bench e2e: targets ratio>=0.7 MISSED (0.00, unbounded at 0.50)");
  result.steps.clear();
  EXPECT_THAT(FormatE2eLine(result), HasSubstr("ratio=n/a steps=0"));
  EXPECT_THAT(E2eJson(result), HasSubstr(R"("verdict":"not measured")"));
}

TEST(E2eReportTest, RatioToTheRawCopyRateOfTheSameRun) {
  E2eResult result = Result();
  result.raw_copy_msgs_per_s = 1600;
  result.converged = true;
  result.steps = {Step(0.7, 700, true), Step(1.0, 1000, false), Step(0.85, 850, true),
                  Step(0.925, 925, false), Step(0.8875, 887.5, true)};
  EXPECT_EQ(*UnboundedRate(result), 925);
  ASSERT_TRUE(E2eRatioVsRawCopy(result).has_value());
  EXPECT_DOUBLE_EQ(*E2eRatioVsRawCopy(result), 887.5 / 1600);
  EXPECT_EQ(FormatE2eLine(result),
            "bench e2e: size=100KB sustained_msgs_per_s=888 min_max_msgs_per_s=1000 ratio=0.89 "
            "steps=5 ratio_spread=0.89-0.93 unbounded_msgs_per_s=925 converged=yes "
            "raw_copy_msgs_per_s=1600 ratio_vs_raw_copy=0.55");
  const TargetCheck raw_copy = E2eRawCopyTarget(result);
  EXPECT_TRUE(raw_copy.measured);
  EXPECT_TRUE(raw_copy.held);
  EXPECT_EQ(raw_copy.detail, "0.55");
  const std::string json = E2eJson(result);
  EXPECT_THAT(json, HasSubstr(R"("unbounded_msgs_per_s":925,"ratio_spread_min":0.8875,)"
                              R"("ratio_spread_max":0.925,"converged":true,"tolerance":0.05,)"
                              R"("raw_copy_msgs_per_s":1600,"ratio_vs_raw_copy":0.5546875,)"
                              R"("raw_copy_target":"ratio_vs_raw_copy>=0.5","raw_copy_verdict":"held")"));
}

TEST(E2eReportTest, AStepIsOneJsonObjectWithItsLagAndCpu) {
  const std::string json = StepJson(Step(0.7, 700, false));
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_THAT(json, HasSubstr(R"("kind":"e2e_step","rate_per_s":700,"fraction":0.7)"));
  EXPECT_THAT(json, HasSubstr(R"("bounded":false,"reason":"lag grew 5.0/s)"));
  EXPECT_THAT(json, HasSubstr(R"("lag":[[0.5,10],[1,12]])"));
  EXPECT_THAT(json, HasSubstr(
                        R"("cpu":{"client":0.25,"gateway":null,"worker":null,"kafka":null,"postgres":null})"));
}

FailoverResult Failover() {
  FailoverResult result;
  result.session_timeout_s = 10;
  result.rate_per_s = 200;
  result.killed_partitions = {4, 5, 6, 7};
  result.takeover.takeover = absl::Milliseconds(11200);
  result.takeover.advanced_after = {{4, absl::Seconds(11)}};
  TakeoverResult restart;
  restart.takeover = absl::Milliseconds(1500);
  result.restart = restart;
  result.restart_partitions = {4, 5, 6, 7};
  result.restart_shutdown_s = 0.4;
  result.restart_revocations = 0;
  result.restart_partitions_moved = 0;
  result.timeline = {{0, "workers 1 and 2 started"}, {12.5, "SIGKILL \"worker\" 2"}};
  return result;
}

TEST(FailoverReportTest, LineTargetAndJson) {
  const FailoverResult result = Failover();
  EXPECT_EQ(FormatFailoverLine(result),
            "bench failover: session_timeout_s=10 takeover_s=11.2 ratio=1.12 restart_s=1.50 "
            "restart_revocations=0");
  EXPECT_EQ(FormatTargetsLine("failover", {FailoverTarget(result)}),
            "bench failover: targets ratio<=1.3 held (1.12)");
  const std::string json = FailoverJson(result);
  EXPECT_THAT(json, HasSubstr(R"("killed_partitions":[4,5,6,7],"killed_idle_partitions":[])"));
  EXPECT_THAT(json, HasSubstr(R"("takeover_s":11.2,"ratio":1.12,"target":"ratio<=1.3","verdict":"held")"));
  EXPECT_THAT(json, HasSubstr(R"("restart_s":1.5,"restart_shutdown_s":0.4,"restart_revocations":0)"));
  EXPECT_THAT(json, HasSubstr(R"("timeline":[[0.000,"workers 1 and 2 started"],[12.500,"SIGKILL \"worker\" 2"]])"));
}

TEST(FailoverReportTest, PartitionsNeverConsumedAgainAreMissed) {
  FailoverResult result = Failover();
  result.takeover = TakeoverResult{.pending = {6}};
  result.restart.reset();
  result.restart_revocations = -1;
  EXPECT_EQ(FormatFailoverLine(result),
            "bench failover: session_timeout_s=10 takeover_s=n/a ratio=n/a restart_s=n/a "
            "restart_revocations=n/a");
  EXPECT_EQ(FormatTargetsLine("failover", {FailoverTarget(result)}),
            "bench failover: targets ratio<=1.3 MISSED (partitions 6 not consumed again)");
  EXPECT_THAT(FailoverJson(result), HasSubstr(R"("takeover_s":null,"ratio":null)"));
}

TEST(SizesReportTest, LinesAndJson) {
  const SizeResult size{.size_bytes = 10 << 20,
                        .lanes = 8,
                        .acked = 120,
                        .window_s = 10,
                        .msgs_per_s = 12,
                        .mb_per_s = 120};
  EXPECT_EQ(FormatSizeLine(size),
            "bench size: size=10MB transport=stream mb_per_s=120 msgs_per_s=12.0 lanes=8");
  EXPECT_THAT(SizeJson(size), HasSubstr(R"("kind":"size","size":"10MB","size_bytes":10485760,"transport":"stream","lanes":8)"));

  BigStreamResult big;
  big.total_bytes = 100 << 20;
  big.ack_s = 2;
  big.mb_per_s = 50;
  big.commit_s = 4.5;
  big.client = {.idle_bytes = 20 << 20, .peak_bytes = 30 << 20};
  big.gateway = {.idle_bytes = 40 << 20, .peak_bytes = 60 << 20};
  big.worker = {.idle_bytes = 30 << 20, .peak_bytes = 250 << 20};
  big.postgres_max = {.idle_bytes = 10 << 20, .peak_bytes = 150 << 20};
  EXPECT_EQ(FormatBigStreamLine(big),
            "bench size: stream_100MB mb_per_s=50.0 commit_s=4.50 peak_rss_mb client=30.0 "
            "gateway=60.0 worker=250 kafka=n/a postgres=150");
  const std::string json = BigStreamJson(big);
  EXPECT_THAT(json, HasSubstr(R"("rss":{"client":{"idle_mb":20,"peak_mb":30},)"));
  EXPECT_THAT(json, HasSubstr(R"("kafka":{"idle_mb":null,"peak_mb":null})"));
  EXPECT_THAT(json, HasSubstr(R"("limit_mb":400)"));
  EXPECT_EQ(FormatTargetsLine("size", {BigStreamTarget(big)}),
            "bench size: targets peak_rss<=4x_payload held (client 30.0, gateway 60.0, worker "
            "250, postgres 150 MB; limit 400 MB)");
  big.kafka.peak_bytes = 700 << 20;
  EXPECT_FALSE(BigStreamTarget(big).held);
}

}  // namespace
}  // namespace ingest::bench_e2e
