#pragma once

// A Kafka producer for tests that play the gateway's part, once a broker
// answered for `topic`.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/kafka/producer.h"
#include "services/common/kafka/rdkafka_producer.h"

namespace ingest {

inline absl::StatusOr<std::unique_ptr<Producer>> ConnectTestProducer(
    const std::string& bootstrap_servers, const std::string& client_id, absl::string_view topic) {
  ProducerOptions options;
  options.bootstrap_servers = bootstrap_servers;
  options.client_id = client_id;
  options.delivery_timeout = absl::Seconds(20);
  options.statistics_interval = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<Producer>> producer = CreateRdKafkaProducer(options);
  if (!producer.ok()) return producer.status();
  if (absl::Status reachable = (*producer)->CheckReachable(topic, absl::Seconds(20));
      !reachable.ok()) {
    return reachable;
  }
  return producer;
}

}  // namespace ingest
