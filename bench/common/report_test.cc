#include "bench/common/report.h"

#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

SizeResult Result(int64_t size, double gateway, double raw, double p50_ms, double p99_ms,
                  double raw_p99_ms) {
  SizeResult result;
  result.size_bytes = size;
  result.gateway_throughput.msgs_per_s = gateway;
  result.raw_throughput.msgs_per_s = raw;
  result.gateway_latency.latency = {.count = 100,
                                    .p50 = absl::Milliseconds(p50_ms),
                                    .p99 = absl::Milliseconds(p99_ms),
                                    .max = absl::Milliseconds(p99_ms)};
  result.raw_latency.latency = {.count = 100,
                                .p50 = absl::Milliseconds(raw_p99_ms / 2),
                                .p99 = absl::Milliseconds(raw_p99_ms),
                                .max = absl::Milliseconds(raw_p99_ms)};
  result.raw_latency.rate_per_s = LatencyRate(gateway, raw);
  result.gateway_latency.rate_per_s = LatencyRate(gateway, raw);
  return result;
}

StreamResult Stream(double idle_mb, double peak_mb) {
  return {.total_bytes = int64_t{256} << 20,
          .chunk_bytes = 1 << 20,
          .chunk_records = 256,
          .elapsed = absl::Seconds(4),
          .idle_rss_bytes = static_cast<int64_t>(idle_mb * 1048576),
          .peak_rss_bytes = static_cast<int64_t>(peak_mb * 1048576),
          .rss_samples = 80};
}

TEST(FormatSignificantTest, ThreeSignificantDigitsWithoutExponent) {
  EXPECT_EQ(FormatSignificant(12345.6), "12346");
  EXPECT_EQ(FormatSignificant(850.2), "850");
  EXPECT_EQ(FormatSignificant(85.23), "85.2");
  EXPECT_EQ(FormatSignificant(1.2345), "1.23");
  EXPECT_EQ(FormatSignificant(0.01234), "0.0123");
  EXPECT_EQ(FormatSignificant(0), "0");
  EXPECT_EQ(FormatSignificant(-3.14159), "-3.14");
}

TEST(FormatSignificantTest, RoundingUpDoesNotAddADigit) {
  EXPECT_EQ(FormatSignificant(9.996), "10.0");
  EXPECT_EQ(FormatSignificant(0.09999), "0.100");
  EXPECT_EQ(FormatSignificant(1.26, 2), "1.3");
}

TEST(FormatSignificantTest, NonFinite) {
  EXPECT_EQ(FormatSignificant(std::nan("")), "nan");
  EXPECT_EQ(FormatSignificant(1.0 / 0.0), "inf");
}

TEST(FormatSizeLineTest, IsTheIssueFormatWithTheSpreadAndRateAdded) {
  EXPECT_EQ(FormatSizeLine(Result(100 * 1024, 1823.4, 2011.9, 4.234, 11.71, 6.05)),
            "bench gateway: size=100KB gateway_msgs_per_s=1823 raw_msgs_per_s=2012 ratio=0.91 "
            "p50_ms=4.23 p99_ms=11.7 raw_p99_ms=6.05 ratio_spread=0.91-0.91 runs=1 "
            "latency_rate_per_s=912 p99_vs_raw=1.94 facts_s_per_gib=n/a");
  EXPECT_THAT(FormatSizeLine(Result(10 * 1024, 1, 2, 1, 1, 1)),
              StartsWith("bench gateway: size=10KB "));
  EXPECT_THAT(FormatSizeLine(Result(1 << 20, 1, 2, 1, 1, 1)),
              StartsWith("bench gateway: size=1MB "));
}

TEST(FormatSizeLineTest, FactsSecondsPerGibIsAppendedWhenMeasured) {
  SizeResult result = Result(100 * 1024, 1823.4, 2011.9, 4.234, 11.71, 6.05);
  result.gateway_throughput.facts = {.measured = true, .seconds = 0.3, .bytes = 512 << 20};
  EXPECT_EQ(FormatSizeLine(result),
            "bench gateway: size=100KB gateway_msgs_per_s=1823 raw_msgs_per_s=2012 ratio=0.91 "
            "p50_ms=4.23 p99_ms=11.7 raw_p99_ms=6.05 ratio_spread=0.91-0.91 runs=1 "
            "latency_rate_per_s=912 p99_vs_raw=1.94 facts_s_per_gib=0.600");
  // The raw side never reads facts: only the gateway's run counts.
  result.raw_throughput.facts = {.measured = true, .seconds = 100, .bytes = 1};
  EXPECT_THAT(FormatSizeLine(result), HasSubstr(" facts_s_per_gib=0.600"));
}

TEST(FactsSecondsPerGibTest, SecondsOverGibibytes) {
  EXPECT_DOUBLE_EQ(
      *FactsSecondsPerGib({.measured = true, .seconds = 2, .bytes = double{1 << 30} * 4}), 0.5);
  EXPECT_DOUBLE_EQ(*FactsSecondsPerGib({.measured = true, .seconds = 0, .bytes = 1000}), 0);
}

TEST(FactsSecondsPerGibTest, NotMeasuredOrNoBytesIsNone) {
  EXPECT_EQ(FactsSecondsPerGib({}), std::nullopt);
  EXPECT_EQ(FactsSecondsPerGib({.measured = false, .seconds = 1, .bytes = 1000}), std::nullopt);
  EXPECT_EQ(FactsSecondsPerGib({.measured = true, .seconds = 0, .bytes = 0}), std::nullopt);
}

TEST(FormatSizeLineTest, ZeroRawThroughputGivesZeroRatio) {
  EXPECT_THAT(FormatSizeLine(Result(1 << 20, 10, 0, 1, 1, 1)), HasSubstr(" ratio=0.00 "));
  EXPECT_THAT(FormatSizeLine(Result(1 << 20, 10, 0, 1, 1, 1)), HasSubstr(" runs=0 "));
}

TEST(RatioTest, MedianOfInterleavedPairsWithItsSpread) {
  SizeResult result = Result(10 * 1024, 0, 0, 1, 2, 1);
  result.raw_runs_msgs_per_s = {1000, 1100, 900};
  result.gateway_runs_msgs_per_s = {700, 880, 720};  // 0.70, 0.80, 0.80
  result.gateway_throughput.msgs_per_s = 720;
  result.raw_throughput.msgs_per_s = 1000;
  EXPECT_THAT(RatioRuns(result), ::testing::ElementsAre(0.7, 0.8, 0.8));
  EXPECT_DOUBLE_EQ(ThroughputRatio(result), 0.8);
  EXPECT_THAT(FormatSizeLine(result), HasSubstr(" ratio=0.80 "));
  EXPECT_THAT(FormatSizeLine(result), HasSubstr(" ratio_spread=0.70-0.80 runs=3 "));
  const std::string json = SizeResultJson(result);
  EXPECT_THAT(json, HasSubstr(R"("ratio":0.8,"runs":3,"ratio_spread_min":0.7,"ratio_spread_max":0.8,)"));
  EXPECT_THAT(json, HasSubstr(R"("gateway_runs_msgs_per_s":[700,880,720],)"));
  EXPECT_THAT(json, HasSubstr(R"("raw_runs_msgs_per_s":[1000,1100,900],)"));
}

TEST(LatencyRateTest, HalfOfTheSlowerSide) {
  EXPECT_DOUBLE_EQ(LatencyRate(15000, 33000), 7500);  // the gateway is slower: 10 KB on 2 cores
  EXPECT_DOUBLE_EQ(LatencyRate(3400, 3000), 1500);
  EXPECT_EQ(LatencyRate(0, 3000), 0);
}

TEST(FormatStreamLineTest, GrowthIsPeakMinusIdleInMegabytes) {
  EXPECT_EQ(FormatStreamLine(Stream(30, 42.5)), "bench gateway: stream_256MB rss_growth_mb=12.5");
}

TEST(EvaluateTargetsTest, AllHeld) {
  const std::vector<SizeResult> results = {Result(10 * 1024, 900, 1000, 1, 6, 3),
                                           Result(100 * 1024, 970, 1000, 1, 9, 3),
                                           Result(1 << 20, 50, 100, 1, 3, 3)};
  const std::vector<TargetCheck> checks =
      EvaluateTargets(results, Stream(30, 50), Targets());
  ASSERT_EQ(checks.size(), 4u);
  for (const TargetCheck& check : checks) {
    EXPECT_TRUE(check.measured) << check.name;
    EXPECT_TRUE(check.held) << check.name;
  }
  EXPECT_EQ(FormatTargetsLine(checks),
            "bench gateway: targets ratio@100KB>=0.95 held (0.97); ratio@10KB>=0.6 held (0.90); "
            "p99<=3x_raw_p99 held (10KB 2.0x, 100KB 3.0x, 1MB 1.0x); "
            "rss_growth<=64MB held (20.0 MB while streaming 256MB)");
}

TEST(EvaluateTargetsTest, ReportsWhatWasMissed) {
  std::vector<SizeResult> results = {Result(10 * 1024, 500, 1000, 1, 6, 3),
                                     Result(100 * 1024, 800, 1000, 1, 3, 3),
                                     Result(1 << 20, 50, 100, 1, 10, 3)};
  results[1].raw_runs_msgs_per_s = {1000, 1000, 1000};
  results[1].gateway_runs_msgs_per_s = {800, 780, 900};
  const std::vector<TargetCheck> checks =
      EvaluateTargets(results, Stream(30, 100), Targets());
  for (const TargetCheck& check : checks) EXPECT_FALSE(check.held) << check.name;
  EXPECT_EQ(FormatTargetsLine(checks),
            "bench gateway: targets ratio@100KB>=0.95 MISSED (0.80, runs 0.78-0.90); "
            "ratio@10KB>=0.6 MISSED (0.50); "
            "p99<=3x_raw_p99 MISSED (over at 1MB: 10KB 2.0x, 100KB 1.0x, 1MB 3.3x); "
            "rss_growth<=64MB MISSED (70.0 MB while streaming 256MB)");
}

TEST(EvaluateTargetsTest, WhatWasNotRunIsNotMeasured) {
  const std::vector<SizeResult> results = {Result(10 * 1024, 900, 1000, 1, 6, 3)};
  const std::vector<TargetCheck> checks = EvaluateTargets(results, std::nullopt, Targets());
  EXPECT_FALSE(checks[0].measured);
  EXPECT_TRUE(checks[1].measured);
  EXPECT_TRUE(checks[2].measured);
  EXPECT_FALSE(checks[3].measured);
  EXPECT_EQ(FormatTargetsLine(checks),
            "bench gateway: targets ratio@100KB>=0.95 not measured; ratio@10KB>=0.6 held (0.90); "
            "p99<=3x_raw_p99 held (10KB 2.0x); rss_growth<=64MB not measured");
}

TEST(JsonTest, SizeRecordCarriesBothSides) {
  const std::string json = SizeResultJson(Result(100 * 1024, 870, 1000, 1, 9, 3));
  EXPECT_THAT(json,
              StartsWith(R"({"kind":"size","size":"100KB","size_bytes":102400,"ratio":0.87,)"));
  EXPECT_THAT(json, HasSubstr(R"("gateway_msgs_per_s":870,)"));
  EXPECT_THAT(json, HasSubstr(R"("raw_msgs_per_s":1000,)"));
  EXPECT_THAT(json, HasSubstr(R"("gateway_latency_p99_ms":9,)"));
  EXPECT_THAT(json, HasSubstr(R"("raw_latency_p99_ms":3,)"));
}

TEST(JsonTest, SizeRecordEndsWithTheGatewaysFactExtraction) {
  SizeResult result = Result(100 * 1024, 870, 1000, 1, 9, 3);
  EXPECT_THAT(SizeResultJson(result),
              HasSubstr(R"(,"facts_s_per_gib":null,"gateway_facts_seconds":null,)"
                        R"("gateway_facts_bytes":null})"));
  result.gateway_throughput.facts = {.measured = true, .seconds = 0.25, .bytes = 1 << 29};
  EXPECT_THAT(SizeResultJson(result),
              HasSubstr(R"(,"facts_s_per_gib":0.5,"gateway_facts_seconds":0.25,)"
                        R"("gateway_facts_bytes":536870912})"));
}

TEST(JsonTest, StreamRecord) {
  EXPECT_THAT(StreamResultJson(Stream(30, 50)),
              HasSubstr(R"("mb_per_s":64,"idle_rss_mb":30,"peak_rss_mb":50,"rss_growth_mb":20,)"));
}

}  // namespace
}  // namespace ingest::bench
