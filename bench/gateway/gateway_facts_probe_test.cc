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
  const std::optional<FactCounters> facts =
      FactExtractionBetween({.seconds = 1.5, .bytes = 1000}, {.seconds = 2, .bytes = 3000});
  ASSERT_TRUE(facts.has_value());
  EXPECT_DOUBLE_EQ(facts->seconds, 0.5);
  EXPECT_DOUBLE_EQ(facts->bytes, 2000);
}

TEST(FactExtractionBetweenTest, ACounterGoingBackIsARestartNotAMeasurement) {
  EXPECT_EQ(FactExtractionBetween({.seconds = 2, .bytes = 3000}, {.seconds = 0.1, .bytes = 100}),
            std::nullopt);
}

TEST(FactsSecondsPerGibTest, SecondsOverGibibytes) {
  EXPECT_DOUBLE_EQ(*FactsSecondsPerGib({.seconds = 2, .bytes = double{1 << 30} * 4}), 0.5);
  EXPECT_DOUBLE_EQ(*FactsSecondsPerGib({.seconds = 0, .bytes = 1000}), 0);
  EXPECT_EQ(FactsSecondsPerGib({.seconds = 0, .bytes = 0}), std::nullopt);
}

}  // namespace
}  // namespace ingest::bench
