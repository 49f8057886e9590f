#pragma once

// Producer backed by librdkafka with the ingest guarantees switched on:
// acks=all, enable.idempotence=true (no duplicate or reorder on retry),
// compression.type (zstd unless told), and a delivery timeout below the RPC deadline.
//
// Threads: Produce() from any thread; delivery callbacks run on one internal
// poller thread owned by this object.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/producer.h"

namespace ingest {

struct ProducerOptions {
  std::string bootstrap_servers;
  std::string client_id = "ingest-gateway";
  // Time Kafka gets to acknowledge a record before its callback reports
  // UNAVAILABLE (librdkafka's message.timeout.ms). Keep below RPC deadlines.
  absl::Duration delivery_timeout = absl::Seconds(10);
  absl::Duration linger = absl::Milliseconds(5);
  // Largest record the producer will send (must not exceed the broker's
  // message.max.bytes).
  int64_t max_record_bytes = 16 << 20;
  // Bound on bytes waiting in the producer's local queue.
  int64_t max_queued_bytes = int64_t{512} << 20;
  // librdkafka's compression.type. The gateway's payload records are
  // compressed already (their stored form), so it produces with "none".
  std::string compression = "zstd";
  // librdkafka's statistics JSON is handed to `on_statistics` this often
  // (on the delivery thread); zero or no callback disables them.
  absl::Duration statistics_interval = absl::Seconds(15);
  std::function<void(absl::string_view json)> on_statistics;
};

absl::StatusOr<std::unique_ptr<Producer>> CreateRdKafkaProducer(const ProducerOptions& options);

}  // namespace ingest
