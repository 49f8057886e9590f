#pragma once

// The parts of librdkafka's statistics JSON (statistics.interval.ms) that
// operators watch: local queue depth, and per broker round-trip time,
// retries and errors. See librdkafka's STATISTICS.md.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ingest {

struct KafkaBrokerStats {
  double rtt_avg_seconds = 0;
  double rtt_p99_seconds = 0;
  // Cumulative since the client started.
  int64_t tx_retries = 0;
  int64_t tx_errors = 0;
  // Requests waiting to be sent / for a response.
  int64_t outbuf_requests = 0;
  int64_t waitresp_requests = 0;
};

struct KafkaClientStats {
  // The client's name (client.id#producer-N).
  std::string client;
  // Messages and bytes in the producer's local queue.
  int64_t queue_messages = 0;
  int64_t queue_bytes = 0;
  // By broker name ("127.0.0.1:9092/1"); bootstrap-only entries are left out.
  std::map<std::string, KafkaBrokerStats> brokers;
};

absl::StatusOr<KafkaClientStats> ParseKafkaStats(absl::string_view json);

}  // namespace ingest
