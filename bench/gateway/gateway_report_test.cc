#include "bench/gateway/gateway_report.h"

#include <optional>
#include <string>
#include <vector>

#include "bench/common/results_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

ThroughputRun RunAt(double msgs_per_s, std::optional<FactCounters> facts = std::nullopt) {
  return {
      .stats = {.lanes = 8, .acked = 500, .window = absl::Seconds(10), .msgs_per_s = msgs_per_s},
      .cpu = {.client = 0.5, .gateway = 1.25, .kafka = 0.75},
      .facts = facts};
}

LatencyStats Latency(double rate, double p50_ms, double p99_ms) {
  return {.rate_per_s = rate,
          .lanes = 256,
          .latency = {.count = 100,
                      .p50 = absl::Milliseconds(p50_ms),
                      .p99 = absl::Milliseconds(p99_ms),
                      .max = absl::Milliseconds(p99_ms),
                      .cdf = {{.fraction = 0.5, .latency = absl::Milliseconds(p50_ms)}}}};
}

// One run per side; the gateway's p50 and p99 and the raw p99 at the rate
// both sides sustain.
GatewaySizeRecord Size(int64_t size, double gateway, double raw, double p50_ms, double p99_ms,
                       double raw_p99_ms, std::optional<FactCounters> facts = std::nullopt) {
  const double rate = LatencyRate(gateway, raw);
  return SizeRecord(size, {RunAt(raw)}, {RunAt(gateway, facts)},
                    Latency(rate, raw_p99_ms / 2, raw_p99_ms), Latency(rate, p50_ms, p99_ms));
}

GatewayStreamRecord Stream(double idle_mb, double peak_mb) {
  return StreamRecord({.total_bytes = int64_t{256} << 20,
                       .chunk_bytes = 1 << 20,
                       .chunk_records = 256,
                       .elapsed = absl::Seconds(4),
                       .idle_rss_bytes = static_cast<int64_t>(idle_mb * 1048576),
                       .peak_rss_bytes = static_cast<int64_t>(peak_mb * 1048576),
                       .rss_samples = 80});
}

TEST(FormatSizeLineTest, IsTheIssueFormatWithTheSpreadAndRateAdded) {
  EXPECT_EQ(FormatSizeLine(Size(100 * 1024, 1823.4, 2011.9, 4.234, 11.71, 6.05)),
            "bench gateway: size=100KB gateway_msgs_per_s=1823 raw_msgs_per_s=2012 ratio=0.91 "
            "p50_ms=4.23 p99_ms=11.7 raw_p99_ms=6.05 ratio_spread=0.91-0.91 runs=1 "
            "latency_rate_per_s=912 p99_vs_raw=1.94 facts_s_per_gib=n/a");
  EXPECT_THAT(FormatSizeLine(Size(10 * 1024, 1, 2, 1, 1, 1)),
              StartsWith("bench gateway: size=10KB "));
  EXPECT_THAT(FormatSizeLine(Size(1 << 20, 1, 2, 1, 1, 1)), StartsWith("bench gateway: size=1MB "));
}

TEST(FormatSizeLineTest, FactsSecondsPerGibIsAppendedWhenMeasured) {
  const GatewaySizeRecord size = Size(100 * 1024, 1823.4, 2011.9, 4.234, 11.71, 6.05,
                                      FactCounters{.seconds = 0.3, .bytes = 512 << 20});
  EXPECT_EQ(FormatSizeLine(size),
            "bench gateway: size=100KB gateway_msgs_per_s=1823 raw_msgs_per_s=2012 ratio=0.91 "
            "p50_ms=4.23 p99_ms=11.7 raw_p99_ms=6.05 ratio_spread=0.91-0.91 runs=1 "
            "latency_rate_per_s=912 p99_vs_raw=1.94 facts_s_per_gib=0.600");
}

TEST(FormatSizeLineTest, ZeroRawThroughputGivesZeroRatio) {
  const std::string line = FormatSizeLine(Size(1 << 20, 10, 0, 1, 1, 1));
  EXPECT_THAT(line, HasSubstr(" ratio=0.00 "));
  EXPECT_THAT(line, HasSubstr(" runs=0 "));
}

TEST(SizeRecordTest, TheRatioIsTheMedianOfInterleavedPairsWithItsSpread) {
  // Pairs 0.70, 0.80, 0.80; the gateway's median run is its 720 msgs/s one.
  const GatewaySizeRecord size =
      SizeRecord(10 * 1024, {RunAt(1000), RunAt(1100), RunAt(900)},
                 {RunAt(700), RunAt(880, FactCounters{.seconds = 1, .bytes = 1 << 30}), RunAt(720)},
                 Latency(360, 1, 1), Latency(360, 1, 2));
  EXPECT_THAT(size.ratio_runs(), ElementsAre(0.7, 0.8, 0.8));
  EXPECT_DOUBLE_EQ(size.ratio(), 0.8);
  EXPECT_EQ(size.runs(), 3);
  EXPECT_DOUBLE_EQ(size.ratio_spread_min(), 0.7);
  EXPECT_DOUBLE_EQ(size.ratio_spread_max(), 0.8);
  EXPECT_THAT(size.gateway_runs_msgs_per_s(), ElementsAre(700, 880, 720));
  EXPECT_THAT(size.raw_runs_msgs_per_s(), ElementsAre(1000, 1100, 900));
  EXPECT_EQ(size.gateway_msgs_per_s(), 720);
  EXPECT_EQ(size.raw_msgs_per_s(), 1000);
  // The 880 run's facts are not the median run's.
  EXPECT_EQ(size.facts_s_per_gib().kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_THAT(FormatSizeLine(size), HasSubstr(" ratio=0.80 "));
  EXPECT_THAT(FormatSizeLine(size), HasSubstr(" ratio_spread=0.70-0.80 runs=3 "));
}

TEST(SizeRecordTest, CarriesBothSidesAsJsonNumbers) {
  const std::string json = ToJsonLine(Size(100 * 1024, 870, 1000, 1, 9, 3));
  EXPECT_THAT(json,
              StartsWith(R"({"kind":"size","size":"100KB","size_bytes":102400,"ratio":0.87,)"));
  EXPECT_THAT(json,
              HasSubstr(R"("gateway_msgs_per_s":870,"gateway_lanes":8,"gateway_acked":500,)"
                        R"("gateway_window_s":10,"gateway_backpressure_retries":0,)"
                        R"("gateway_cpu_client_cores":0.5,"gateway_cpu_gateway_cores":1.25,)"));
  EXPECT_THAT(json, HasSubstr(R"("raw_msgs_per_s":1000,)"));
  EXPECT_THAT(json, HasSubstr(R"("gateway_latency_p99_ms":9,)"));
  EXPECT_THAT(json, HasSubstr(R"("raw_latency_p99_ms":3,)"));
  EXPECT_THAT(json, HasSubstr(R"("gateway_latency_cdf":[[1,0.5]])"));
  EXPECT_THAT(json, HasSubstr(R"("p99_vs_raw":3)"));
}

TEST(SizeRecordTest, TheGatewaysFactExtractionIsNullUntilMeasured) {
  EXPECT_THAT(ToJsonLine(Size(100 * 1024, 870, 1000, 1, 9, 3)),
              HasSubstr(R"("facts_s_per_gib":null,"gateway_facts_seconds":null,)"
                        R"("gateway_facts_bytes":null)"));
  EXPECT_THAT(ToJsonLine(Size(100 * 1024, 870, 1000, 1, 9, 3,
                              FactCounters{.seconds = 0.25, .bytes = 1 << 29})),
              HasSubstr(R"("facts_s_per_gib":0.5,"gateway_facts_seconds":0.25,)"
                        R"("gateway_facts_bytes":536870912)"));
}

TEST(LatencyRateTest, HalfOfTheSlowerSide) {
  EXPECT_DOUBLE_EQ(LatencyRate(15000, 33000), 7500);  // the gateway is slower: 10 KB on 2 cores
  EXPECT_DOUBLE_EQ(LatencyRate(3400, 3000), 1500);
  EXPECT_EQ(LatencyRate(0, 3000), 0);
}

TEST(StreamRecordTest, GrowthIsPeakMinusIdleInMegabytes) {
  const GatewayStreamRecord stream = Stream(30, 42.5);
  EXPECT_EQ(FormatStreamLine(stream), "bench gateway: stream_256MB rss_growth_mb=12.5");
  EXPECT_THAT(ToJsonLine(stream), HasSubstr(R"("mb_per_s":64,"idle_rss_mb":30,"peak_rss_mb":42.5,)"
                                            R"("rss_growth_mb":12.5,"rss_samples":80)"));
}

TEST(EvaluateTargetsTest, AllHeld) {
  const std::vector<GatewaySizeRecord> sizes = {Size(10 * 1024, 900, 1000, 1, 6, 3),
                                                Size(100 * 1024, 970, 1000, 1, 9, 3),
                                                Size(1 << 20, 50, 100, 1, 3, 3)};
  const std::vector<TargetCheck> checks = EvaluateTargets(sizes, Stream(30, 50), Targets());
  ASSERT_EQ(checks.size(), 4u);
  for (const TargetCheck& check : checks) {
    EXPECT_TRUE(check.measured) << check.name;
    EXPECT_TRUE(check.held) << check.name;
  }
  EXPECT_EQ(FormatTargetsLine("gateway", checks),
            "bench gateway: targets ratio@100KB>=0.95 held (0.97); ratio@10KB>=0.6 held (0.90); "
            "p99<=3x_raw_p99 held (10KB 2.0x, 100KB 3.0x, 1MB 1.0x); "
            "rss_growth<=64MB held (20.0 MB while streaming 256MB)");
}

TEST(EvaluateTargetsTest, ReportsWhatWasMissed) {
  const std::vector<GatewaySizeRecord> sizes = {
      Size(10 * 1024, 500, 1000, 1, 6, 3),
      SizeRecord(100 * 1024, {RunAt(1000), RunAt(1000), RunAt(1000)},
                 {RunAt(800), RunAt(780), RunAt(900)}, Latency(400, 1, 3), Latency(400, 1, 3)),
      Size(1 << 20, 50, 100, 1, 10, 3)};
  const std::vector<TargetCheck> checks = EvaluateTargets(sizes, Stream(30, 100), Targets());
  for (const TargetCheck& check : checks) EXPECT_FALSE(check.held) << check.name;
  EXPECT_EQ(FormatTargetsLine("gateway", checks),
            "bench gateway: targets ratio@100KB>=0.95 MISSED (0.80, runs 0.78-0.90); "
            "ratio@10KB>=0.6 MISSED (0.50); "
            "p99<=3x_raw_p99 MISSED (over at 1MB: 10KB 2.0x, 100KB 1.0x, 1MB 3.3x); "
            "rss_growth<=64MB MISSED (70.0 MB while streaming 256MB)");
}

TEST(EvaluateTargetsTest, WhatWasNotRunIsNotMeasured) {
  const std::vector<TargetCheck> checks =
      EvaluateTargets({Size(10 * 1024, 900, 1000, 1, 6, 3)}, std::nullopt, Targets());
  EXPECT_FALSE(checks[0].measured);
  EXPECT_TRUE(checks[1].measured);
  EXPECT_TRUE(checks[2].measured);
  EXPECT_FALSE(checks[3].measured);
  EXPECT_EQ(FormatTargetsLine("gateway", checks),
            "bench gateway: targets ratio@100KB>=0.95 not measured; ratio@10KB>=0.6 held (0.90); "
            "p99<=3x_raw_p99 held (10KB 2.0x); rss_growth<=64MB not measured");
}

}  // namespace
}  // namespace ingest::bench
