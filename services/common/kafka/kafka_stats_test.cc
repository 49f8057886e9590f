#include "services/common/kafka/kafka_stats.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

// Trimmed from a real librdkafka 2.0 producer's statistics.
constexpr char kStats[] = R"json({
  "name": "gw#producer-1", "type": "producer", "ts": 123, "msg_cnt": 42, "msg_size": 4200000,
  "brokers": {
    "127.0.0.1:9092/bootstrap": {"rtt": {"avg": 1, "p99": 1}, "txretries": 99, "txerrs": 99},
    "127.0.0.1:9092/1": {"name": "127.0.0.1:9092/1", "outbuf_cnt": 2, "waitresp_cnt": 5,
      "txretries": 3, "txerrs": 1, "rtt": {"min": 100, "max": 9000, "avg": 1500, "p99": 8000}}
  },
  "topics": {}
})json";

TEST(KafkaStatsTest, ExtractsQueueAndPerBrokerFigures) {
  auto stats = ParseKafkaStats(kStats);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->client, "gw#producer-1");
  EXPECT_EQ(stats->queue_messages, 42);
  EXPECT_EQ(stats->queue_bytes, 4200000);
  ASSERT_EQ(stats->brokers.size(), 1u) << "bootstrap entries are skipped";
  const KafkaBrokerStats& broker = stats->brokers.at("127.0.0.1:9092/1");
  EXPECT_DOUBLE_EQ(broker.rtt_avg_seconds, 0.0015);
  EXPECT_DOUBLE_EQ(broker.rtt_p99_seconds, 0.008);
  EXPECT_EQ(broker.tx_retries, 3);
  EXPECT_EQ(broker.tx_errors, 1);
  EXPECT_EQ(broker.outbuf_requests, 2);
  EXPECT_EQ(broker.waitresp_requests, 5);
}

TEST(KafkaStatsTest, RejectsNonJson) {
  EXPECT_EQ(ParseKafkaStats("{not json").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ingest
