#include "services/common/metrics/kafka_client_metrics.h"

#include <string>

#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace ingest {
namespace {

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

KafkaClientStats Stats(const std::string& client, int64_t retries, int64_t errors) {
  KafkaClientStats stats;
  stats.client = client;
  stats.queue_messages = 7;
  stats.queue_bytes = 700;
  KafkaBrokerStats& broker = stats.brokers["127.0.0.1:9092/1"];
  broker.rtt_avg_seconds = 0.0015;
  broker.rtt_p99_seconds = 0.008;
  broker.tx_retries = retries;
  broker.tx_errors = errors;
  return stats;
}

TEST(KafkaClientMetricsTest, NamesCarryThePrefixAndClientLabel) {
  prometheus::Registry registry;
  KafkaClientMetrics metrics(registry, "ingest_worker");
  metrics.Record(Stats("ingest-worker#consumer-1", 3, 1));
  const std::string text = Scrape(registry);
  EXPECT_NE(text.find("ingest_worker_kafka_queue_messages{client=\"ingest-worker#consumer-1\"} 7"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ingest_worker_kafka_broker_rtt_seconds{broker=\"127.0.0.1:9092/1\","
                      "client=\"ingest-worker#consumer-1\",stat=\"p99\"} 0.008"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ingest_worker_kafka_retries_total{broker=\"127.0.0.1:9092/1\","
                      "client=\"ingest-worker#consumer-1\"} 3"),
            std::string::npos)
      << text;
}

TEST(KafkaClientMetricsTest, CumulativeFiguresBecomeCountersPerClient) {
  prometheus::Registry registry;
  KafkaClientMetrics metrics(registry, "ingest_worker");
  metrics.Record(Stats("c#consumer-1", 3, 1));
  metrics.Record(Stats("c#producer-1", 10, 0));  // another client: its own series
  metrics.Record(Stats("c#consumer-1", 5, 1));   // +2 retries
  metrics.Record(Stats("c#consumer-1", 1, 0));   // a new client of that name: counts afresh
  const std::string text = Scrape(registry);
  EXPECT_NE(text.find("ingest_worker_kafka_retries_total{broker=\"127.0.0.1:9092/1\","
                      "client=\"c#consumer-1\"} 6"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ingest_worker_kafka_retries_total{broker=\"127.0.0.1:9092/1\","
                      "client=\"c#producer-1\"} 10"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ingest_worker_kafka_errors_total{broker=\"127.0.0.1:9092/1\","
                      "client=\"c#consumer-1\"} 1"),
            std::string::npos)
      << text;
}

TEST(KafkaClientMetricsTest, RecordJsonParsesAndIgnoresGarbage) {
  prometheus::Registry registry;
  KafkaClientMetrics metrics(registry, "ingest_gateway");
  metrics.RecordJson("{not json");
  metrics.RecordJson(R"json({"name": "gw#producer-1", "msg_cnt": 42, "msg_size": 4200,
      "brokers": {"b:9092/1": {"rtt": {"avg": 1500, "p99": 8000}, "txretries": 2, "txerrs": 0}}})json");
  const std::string text = Scrape(registry);
  EXPECT_NE(text.find("ingest_gateway_kafka_queue_messages{client=\"gw#producer-1\"} 42"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ingest_gateway_kafka_broker_rtt_seconds{broker=\"b:9092/1\","
                      "client=\"gw#producer-1\",stat=\"avg\"} 0.0015"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace ingest
