#include "bench/gateway/gateway_facts_probe.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

using ::testing::HasSubstr;

constexpr char kGateway[] = R"(# TYPE ingest_gateway_fact_extraction_seconds histogram
ingest_gateway_fact_extraction_seconds_count 40
ingest_gateway_fact_extraction_seconds_sum 0.25
ingest_gateway_fact_extraction_seconds_bucket{le="+Inf"} 40
# TYPE ingest_gateway_fact_extraction_bytes_total counter
ingest_gateway_fact_extraction_bytes_total 4096000
)";

TEST(ParseFactCountersTest, ReadsTheSumAndTheBytes) {
  const absl::StatusOr<FactCounters> counters = ParseFactCounters(kGateway);
  ASSERT_TRUE(counters.ok()) << counters.status();
  EXPECT_EQ(counters->seconds, 0.25);
  EXPECT_EQ(counters->bytes, 4096000);
}

TEST(ParseFactCountersTest, AGatewayWithoutFactsIsNotFound) {
  const absl::StatusOr<FactCounters> counters =
      ParseFactCounters("ingest_gateway_fact_extraction_seconds_sum 1\n");
  EXPECT_EQ(counters.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(counters.status().message()),
              HasSubstr("ingest_gateway_fact_extraction_bytes_total"));
  EXPECT_EQ(ParseFactCounters("").status().code(), absl::StatusCode::kNotFound);
}

TEST(FactExtractionBetweenTest, TheDifferences) {
  const FactExtraction facts =
      FactExtractionBetween({.seconds = 1.5, .bytes = 1000}, {.seconds = 2, .bytes = 3000});
  EXPECT_TRUE(facts.measured);
  EXPECT_DOUBLE_EQ(facts.seconds, 0.5);
  EXPECT_DOUBLE_EQ(facts.bytes, 2000);
}

TEST(FactExtractionBetweenTest, ACounterGoingBackIsARestartNotAMeasurement) {
  EXPECT_FALSE(
      FactExtractionBetween({.seconds = 2, .bytes = 3000}, {.seconds = 0.1, .bytes = 100}).measured);
}

TEST(GatewayFactsProbeTest, TheUrlMustBeReachableByHttpGet) {
  EXPECT_EQ(GatewayFactsProbe::Create("localhost:9464", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  const absl::StatusOr<GatewayFactsProbe> probe =
      GatewayFactsProbe::Create("http://127.0.0.1:9464/metrics", absl::Seconds(1));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_EQ(probe->url(), "http://127.0.0.1:9464/metrics");
}

}  // namespace
}  // namespace ingest::bench
