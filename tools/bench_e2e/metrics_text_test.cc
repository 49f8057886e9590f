#include "tools/bench_e2e/metrics_text.h"

#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

constexpr char kExposition[] = R"(# HELP ingest_worker_rebalance_partitions_total Partitions assigned or revoked.
# TYPE ingest_worker_rebalance_partitions_total counter
ingest_worker_rebalance_partitions_total{kind="assigned"} 8
ingest_worker_rebalance_partitions_total{kind="revoked"} 4
ingest_worker_rebalance_partitions_total_extra{kind="revoked"} 100
# TYPE ingest_worker_assigned_partitions gauge
ingest_worker_assigned_partitions 4 1700000000000
ingest_worker_batch_duration_seconds_sum 1.5
)";

TEST(SumMetricTest, SumsTheMatchingSamples) {
  EXPECT_EQ(SumMetric(kExposition, "ingest_worker_rebalance_partitions_total", "kind=\"revoked\""),
            4);
  EXPECT_EQ(SumMetric(kExposition, "ingest_worker_rebalance_partitions_total", ""), 12);
  EXPECT_EQ(SumMetric(kExposition, "ingest_worker_assigned_partitions", ""), 4);
}

TEST(SumMetricTest, NothingMatchingIsZero) {
  EXPECT_EQ(SumMetric(kExposition, "ingest_worker_rebalance_partitions_total", "kind=\"lost\""),
            0);
  EXPECT_EQ(SumMetric(kExposition, "ingest_worker_batch_duration_seconds", ""), 0);
  EXPECT_EQ(SumMetric("", "x", ""), 0);
}

}  // namespace
}  // namespace ingest::bench_e2e
