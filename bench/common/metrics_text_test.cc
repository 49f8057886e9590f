#include "bench/common/metrics_text.h"

#include <cmath>
#include <optional>

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

// What prometheus-cpp writes for the gateway, abridged, plus the odd cases.
constexpr char kExposition[] =
    R"(# HELP ingest_gateway_fact_extraction_seconds Time to read a payload's facts.
# TYPE ingest_gateway_fact_extraction_seconds histogram
ingest_gateway_fact_extraction_seconds_count 1200
ingest_gateway_fact_extraction_seconds_sum 1.5
ingest_gateway_fact_extraction_seconds_bucket{le="0.001"} 1100
ingest_gateway_fact_extraction_seconds_bucket{le="+Inf"} 1200
# HELP ingest_gateway_fact_extraction_bytes_total Raw content bytes whose facts were read.
# TYPE ingest_gateway_fact_extraction_bytes_total counter
ingest_gateway_fact_extraction_bytes_total 1073741824
ingest_gateway_payloads_unparsed_total{reason="not_json"} 3
ingest_gateway_payloads_unparsed_total{reason="too_large",note="a } and \" inside"} 4
ingest_gateway_payloads_unparsed_total_extra{reason="not_json"} 100
ingest_gateway_kafka_reachable 1 1700000000000
ingest_gateway_odd{a="b"}	2
)";

TEST(SumOfMetricTest, AnUnlabelledSample) {
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_fact_extraction_seconds_sum"), 1.5);
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_fact_extraction_bytes_total"), 1073741824.0);
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_fact_extraction_seconds_count"), 1200);
}

TEST(SumOfMetricTest, SumsEveryLabelSetQuotesAndEscapesIncluded) {
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_payloads_unparsed_total"), 7);
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_fact_extraction_seconds_bucket"), 2300);
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_odd"), 2);  // a tab before the value
}

TEST(SumOfMetricTest, ATimestampAfterTheValueIsIgnored) {
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_kafka_reachable"), 1);
}

TEST(SumOfMetricTest, ALongerNameOrAFamilyNameIsAnotherMetric) {
  // The histogram's family name has no sample of its own.
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_fact_extraction_seconds"), std::nullopt);
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_fact_extraction"), std::nullopt);
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_payloads_unparsed_total_extra"), 100);
}

TEST(SumOfMetricTest, CommentsAreNotSamples) {
  EXPECT_EQ(SumOfMetric("# HELP x_total Help.\n# TYPE x_total counter\n", "x_total"), std::nullopt);
  EXPECT_EQ(SumOfMetric("# x_total 5\nx_total 2\n", "x_total"), 2);
}

TEST(SumOfMetricTest, AbsentIsNulloptButAZeroSampleIsZero) {
  EXPECT_EQ(SumOfMetric("", "x_total"), std::nullopt);
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_worker_batches_total"), std::nullopt);
  EXPECT_EQ(SumOfMetric("x_total 0\n", "x_total"), 0);
}

TEST(SumOfMetricTest, CrlfLineEndsAndSpecialValues) {
  EXPECT_EQ(SumOfMetric("x_total 2\r\nx_total{a=\"1\"} 3\r\n", "x_total"), 5);
  EXPECT_EQ(SumOfMetric("x{le=\"+Inf\"} +Inf\n", "x"), HUGE_VAL);
  const std::optional<double> nan = SumOfMetric("x NaN\n", "x");
  ASSERT_TRUE(nan.has_value());
  EXPECT_TRUE(std::isnan(*nan));
}

TEST(SumOfMetricTest, UnreadableLinesAreSkipped) {
  EXPECT_EQ(SumOfMetric("x{a=\"unterminated 4\nx seven\nx\nx 1\n", "x"), 1);
}

// A worker's rebalance counters and partition gauge, as bench/e2e reads them.
constexpr char kWorkerExposition[] =
    R"(# HELP ingest_worker_rebalance_partitions_total Partitions assigned or revoked.
# TYPE ingest_worker_rebalance_partitions_total counter
ingest_worker_rebalance_partitions_total{kind="assigned"} 8
ingest_worker_rebalance_partitions_total{kind="revoked"} 4
ingest_worker_rebalance_partitions_total_extra{kind="revoked"} 100
# TYPE ingest_worker_assigned_partitions gauge
ingest_worker_assigned_partitions 4 1700000000000
ingest_worker_batch_duration_seconds_sum 1.5
)";

TEST(SumOfMetricWithLabelsTest, SumsTheSamplesWhoseLabelsMatch) {
  EXPECT_EQ(SumOfMetric(kWorkerExposition, "ingest_worker_rebalance_partitions_total",
                        "kind=\"revoked\""),
            4);
  EXPECT_EQ(SumOfMetric(kWorkerExposition, "ingest_worker_rebalance_partitions_total",
                        "kind=\"assigned\""),
            8);
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_payloads_unparsed_total",
                        "note=\"a } and \\\" inside\""),
            4);
}

TEST(SumOfMetricWithLabelsTest, AnEmptyMatchTakesEverySample) {
  EXPECT_EQ(SumOfMetric(kWorkerExposition, "ingest_worker_rebalance_partitions_total", ""), 12);
  EXPECT_EQ(SumOfMetric(kWorkerExposition, "ingest_worker_assigned_partitions", ""), 4);
  EXPECT_EQ(SumOfMetric(kExposition, "ingest_gateway_payloads_unparsed_total", ""),
            SumOfMetric(kExposition, "ingest_gateway_payloads_unparsed_total"));
}

TEST(SumOfMetricWithLabelsTest, TheMatchIsASubstringOfTheLabelSetBracesIncluded) {
  EXPECT_EQ(SumOfMetric(kWorkerExposition, "ingest_worker_rebalance_partitions_total",
                        "{kind=\"revoked\"}"),
            4);
  EXPECT_EQ(SumOfMetric(kWorkerExposition, "ingest_worker_rebalance_partitions_total", "kind="),
            12);
  EXPECT_EQ(SumOfMetric(kWorkerExposition, "ingest_worker_rebalance_partitions_total", "oked"), 4);
}

TEST(SumOfMetricWithLabelsTest, NothingMatchingIsNullopt) {
  EXPECT_EQ(
      SumOfMetric(kWorkerExposition, "ingest_worker_rebalance_partitions_total", "kind=\"lost\""),
      std::nullopt);
  // An unlabelled sample matches only the empty match.
  EXPECT_EQ(SumOfMetric(kWorkerExposition, "ingest_worker_assigned_partitions", "kind="),
            std::nullopt);
  // A family name with only suffixed samples, and nothing at all.
  EXPECT_EQ(SumOfMetric(kWorkerExposition, "ingest_worker_batch_duration_seconds", ""),
            std::nullopt);
  EXPECT_EQ(SumOfMetric("", "x", ""), std::nullopt);
}

}  // namespace
}  // namespace ingest::bench
