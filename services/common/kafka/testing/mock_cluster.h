#pragma once

// An in-process Kafka cluster from librdkafka's mock broker (rdkafka_mock.h):
// real Kafka protocol on loopback ports, no JVM. For unit and integration
// tests, and for `./dev up --kafka=mock`.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/kafka/topic_admin.h"

namespace ingest {

class MockKafkaCluster {
 public:
  // Starts `brokers` mock brokers and creates `topics`.
  static absl::StatusOr<std::unique_ptr<MockKafkaCluster>> Start(int brokers,
                                                                 const std::vector<TopicSpec>& topics);
  ~MockKafkaCluster();

  // "127.0.0.1:port,..." for bootstrap.servers.
  std::string bootstrap_servers() const;

  // For fault injection in tests (broker down, errors, latency).
  rd_kafka_mock_cluster_t* handle() const { return cluster_; }

 private:
  MockKafkaCluster(rd_kafka_t* rk, rd_kafka_mock_cluster_t* cluster) : rk_(rk), cluster_(cluster) {}

  rd_kafka_t* rk_;
  rd_kafka_mock_cluster_t* cluster_;
};

}  // namespace ingest
