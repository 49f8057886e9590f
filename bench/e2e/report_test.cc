#include "bench/e2e/report.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bench/common/results_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

using ::google::protobuf::Value;
using ::ingest::bench::ToJsonLine;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// `json` has "key":value (protobuf's JSON printer orders the keys its own
// way and escapes < and > in strings).
auto HasKey(const std::string& key, const std::string& value) {
  return HasSubstr(absl::StrCat("\"", key, "\":", value));
}

E2eStepRecord Step(double fraction, double rate, bool bounded) {
  E2eStepRecord step;
  step.set_kind("e2e_step");
  step.set_fraction(fraction);
  step.set_rate_per_s(rate);
  step.set_bounded(bounded);
  step.set_reason(bounded ? "bounded" : "lag grew 5.0/s (> 2% of the rate = 1.4/s)");
  for (const auto& [seconds, lag] : {std::pair{0.5, 10.0}, std::pair{1.0, 12.0}}) {
    google::protobuf::ListValue& point = *step.add_lag();
    point.add_values()->set_number_value(seconds);
    point.add_values()->set_number_value(lag);
  }
  Cores& cpu = *step.mutable_cpu();
  *cpu.mutable_client() = NullIfNegative(0.25);
  for (Value* core :
       {cpu.mutable_gateway(), cpu.mutable_worker(), cpu.mutable_kafka(), cpu.mutable_postgres()}) {
    *core = NullIfNegative(-1);
  }
  return step;
}

E2eOptions Maxima(double raw_copy = 0) {
  E2eOptions options;
  options.size_bytes = 100 * 1024;
  options.gateway_max_msgs_per_s = 1200;
  options.worker_max_msgs_per_s = 1000;
  options.raw_copy_msgs_per_s = raw_copy;
  return options;
}

TEST(E2eReportTest, TheHighestBoundedStepSetsTheRatio) {
  const E2eRecord record = SummarizeE2e(
      Maxima(), {Step(0.7, 700, true), Step(0.85, 850, true), Step(1.0, 1000, false)}, false);
  EXPECT_EQ(record.min_max_msgs_per_s(), 1000);
  EXPECT_EQ(record.sustained_msgs_per_s(), 850);
  EXPECT_DOUBLE_EQ(record.ratio().number_value(), 0.85);
  EXPECT_EQ(FormatE2eLine(record),
            "bench e2e: size=100KB sustained_msgs_per_s=850 min_max_msgs_per_s=1000 ratio=0.85 "
            "steps=3 ratio_spread=0.85-1.00 unbounded_msgs_per_s=1000 converged=no "
            "raw_copy_msgs_per_s=n/a ratio_vs_raw_copy=n/a");
  EXPECT_EQ(bench::FormatTargetsLine("e2e", E2eTargets(record)),
            "bench e2e: targets ratio>=0.7 held (0.85, unbounded at 1.00); "
            "ratio_vs_raw_copy>=0.5 not measured");
  const std::string json = ToJsonLine(record);
  EXPECT_THAT(json,
              AllOf(HasKey("kind", R"("e2e")"), HasKey("size", R"("100KB")"),
                    HasKey("size_bytes", "102400"), HasKey("ratio", "0.85"), HasKey("steps", "3"),
                    HasKey("target", R"("ratio\u003e=0.7")"), HasKey("verdict", R"("held")"),
                    HasKey("raw_copy_msgs_per_s", "null"), HasKey("ratio_vs_raw_copy", "null")));
}

TEST(E2eReportTest, NothingBoundedIsMissedAndNoStepsIsNotMeasured) {
  E2eRecord record = SummarizeE2e(Maxima(), {Step(0.7, 700, false), Step(0.5, 500, false)}, false);
  EXPECT_EQ(record.ratio().number_value(), 0);
  EXPECT_EQ(bench::FormatTargetsLine("e2e", E2eTargets(record)),
            "bench e2e: targets ratio>=0.7 MISSED (0.00, unbounded at 0.50); "
            "ratio_vs_raw_copy>=0.5 not measured");
  record = SummarizeE2e(Maxima(1600), {}, false);
  EXPECT_THAT(FormatE2eLine(record), HasSubstr("ratio=n/a steps=0 ratio_spread=n/a"));
  EXPECT_THAT(FormatE2eLine(record), HasSubstr("ratio_vs_raw_copy=n/a"));
  EXPECT_THAT(ToJsonLine(record), AllOf(HasKey("ratio", "null"), HasKey("steps", "0"),
                                        HasKey("verdict", R"("not measured")")));
}

TEST(E2eReportTest, RatioToTheRawCopyRateOfTheSameRun) {
  const E2eRecord record =
      SummarizeE2e(Maxima(1600),
                   {Step(0.7, 700, true), Step(1.0, 1000, false), Step(0.85, 850, true),
                    Step(0.925, 925, false), Step(0.8875, 887.5, true)},
                   true);
  EXPECT_EQ(record.unbounded_msgs_per_s().number_value(), 925);
  EXPECT_DOUBLE_EQ(record.ratio_vs_raw_copy().number_value(), 887.5 / 1600);
  EXPECT_EQ(FormatE2eLine(record),
            "bench e2e: size=100KB sustained_msgs_per_s=888 min_max_msgs_per_s=1000 ratio=0.89 "
            "steps=5 ratio_spread=0.89-0.93 unbounded_msgs_per_s=925 converged=yes "
            "raw_copy_msgs_per_s=1600 ratio_vs_raw_copy=0.55");
  const TargetCheck raw_copy = E2eTargets(record)[1];
  EXPECT_TRUE(raw_copy.measured);
  EXPECT_TRUE(raw_copy.held);
  EXPECT_EQ(raw_copy.detail, "0.55");
  const std::string json = ToJsonLine(record);
  EXPECT_THAT(
      json,
      AllOf(HasKey("unbounded_msgs_per_s", "925"), HasKey("ratio_spread_min", "0.8875"),
            HasKey("ratio_spread_max", "0.925"), HasKey("converged", "true"),
            HasKey("tolerance", "0.05"), HasKey("raw_copy_msgs_per_s", "1600"),
            HasKey("ratio_vs_raw_copy", "0.5546875"), HasKey("raw_copy_verdict", R"("held")")));
}

TEST(E2eReportTest, AStepIsOneJsonObjectWithItsLagPointsAndCpu) {
  const std::string json = ToJsonLine(Step(0.7, 700, false));
  EXPECT_THAT(json, AllOf(HasKey("kind", R"("e2e_step")"), HasKey("rate_per_s", "700"),
                          HasKey("fraction", "0.7"), HasKey("bounded", "false"),
                          HasKey("reason", R"("lag grew 5.0/s)")));
  // The report plots [seconds, lag] pairs.
  EXPECT_THAT(json, HasKey("lag", "[[0.5,10],[1,12]]"));
  EXPECT_THAT(json, HasSubstr(R"("cpu":{"client":0.25,"gateway":null,"worker":null,)"
                              R"("kafka":null,"postgres":null})"));
  EXPECT_EQ(FormatCores(Step(0.7, 700, false).cpu()),
            "client 0.25, gateway n/a, worker n/a, kafka n/a, postgres n/a");
}

FailoverRecord Failover() {
  FailoverRecord record;
  record.set_session_timeout_s(10);
  record.set_rate_per_s(200);
  for (const int32_t partition : {4, 5, 6, 7}) record.add_killed_partitions(partition);
  *record.mutable_takeover_s() = Nullable(12.5);
  *record.mutable_restart_s() = Nullable(1.5);
  record.set_restart_shutdown_s(0.4);
  JudgeFailover(record);
  return record;
}

TEST(FailoverReportTest, LineTargetAndJson) {
  const FailoverRecord record = Failover();
  EXPECT_EQ(FormatFailoverLine(record),
            "bench failover: session_timeout_s=10 takeover_s=12.5 ratio=1.25 restart_s=1.50 "
            "restart_revocations=0");
  EXPECT_EQ(bench::FormatTargetsLine("failover", {FailoverTarget(record)}),
            "bench failover: targets ratio<=1.3 held (1.25)");
  const std::string json = ToJsonLine(record);
  EXPECT_THAT(json, HasSubstr(R"("killed_partitions":[4,5,6,7],"killed_idle_partitions":[])"));
  EXPECT_THAT(json, AllOf(HasKey("takeover_s", "12.5"), HasKey("ratio", "1.25"),
                          HasKey("verdict", R"("held")")));
  // Not checked against PostgreSQL: the keys are left out.
  EXPECT_THAT(json, Not(HasSubstr("exactly_once")));
}

TEST(FailoverReportTest, PartitionsNeverConsumedAgainAreMissed) {
  FailoverRecord record = Failover();
  *record.mutable_takeover_s() = Nullable(std::nan(""));
  *record.mutable_restart_s() = Nullable(std::nan(""));
  record.add_killed_pending_partitions(6);
  JudgeFailover(record);
  EXPECT_EQ(FormatFailoverLine(record),
            "bench failover: session_timeout_s=10 takeover_s=n/a ratio=n/a restart_s=n/a "
            "restart_revocations=0");
  EXPECT_EQ(bench::FormatTargetsLine("failover", {FailoverTarget(record)}),
            "bench failover: targets ratio<=1.3 MISSED (partitions 6 not consumed again)");
  EXPECT_THAT(ToJsonLine(record), AllOf(HasKey("takeover_s", "null"), HasKey("ratio", "null")));
}

RoleRss Rss(double idle_mb, double peak_mb) {
  RoleRss rss;
  *rss.mutable_idle_mb() = NullIfNegative(idle_mb);
  *rss.mutable_peak_mb() = NullIfNegative(peak_mb);
  return rss;
}

TEST(SizesReportTest, LinesAndTarget) {
  SizeRecord size;
  size.set_size("10MB");
  size.set_lanes(8);
  size.set_msgs_per_s(12);
  size.set_mb_per_s(120);
  EXPECT_EQ(FormatSizeLine(size),
            "bench size: size=10MB transport=stream mb_per_s=120 msgs_per_s=12.0 lanes=8");

  BigStreamRecord big;
  big.set_total_bytes(100 << 20);
  big.set_mb_per_s(50);
  big.set_commit_s(4.5);
  big.set_limit_mb(400);
  RssByRole& rss = *big.mutable_rss();
  *rss.mutable_client() = Rss(20, 30);
  *rss.mutable_gateway() = Rss(40, 60);
  *rss.mutable_worker() = Rss(30, 250);
  *rss.mutable_kafka() = Rss(-1, -1);
  *rss.mutable_postgres_max() = Rss(10, 150);
  *rss.mutable_postgres_sum() = Rss(50, 500);  // not judged
  EXPECT_EQ(FormatBigStreamLine(big),
            "bench size: stream_100MB mb_per_s=50.0 commit_s=4.50 peak_rss_mb client=30.0 "
            "gateway=60.0 worker=250 kafka=n/a postgres=150");
  EXPECT_THAT(ToJsonLine(big), HasSubstr(R"("kafka":{"idle_mb":null,"peak_mb":null})"));
  EXPECT_EQ(bench::FormatTargetsLine("size", {BigStreamTarget(big)}),
            "bench size: targets peak_rss<=4x_payload held (client 30.0, gateway 60.0, worker "
            "250, postgres 150 MB; limit 400 MB)");
  *rss.mutable_kafka() = Rss(400, 700);
  EXPECT_FALSE(BigStreamTarget(big).held);
  EXPECT_FALSE(BigStreamTarget(BigStreamRecord()).measured);
}

}  // namespace
}  // namespace ingest::bench_e2e
