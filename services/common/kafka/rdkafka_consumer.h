#pragma once

// Consumer backed by librdkafka's high-level consumer: cooperative-sticky
// assignment, optional static membership, auto commit and auto offset store
// off (the worker decides what is processed).

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/kafka/consumer.h"

namespace ingest {

struct ConsumerOptions {
  std::string bootstrap_servers;
  std::string topic = "ingest.tasks";
  std::string group_id = "ingest-workers";
  // Static membership (group.instance.id), e.g. the pod name; empty = dynamic.
  std::string group_instance_id;
  std::string client_id = "ingest-worker";
  absl::Duration session_timeout = absl::Seconds(30);
  absl::Duration heartbeat_interval = absl::Seconds(3);
  absl::Duration max_poll_interval = absl::Minutes(5);
  // Upper bound on prefetched bytes per partition.
  int64_t max_partition_fetch_bytes = 16 << 20;
  // librdkafka's statistics JSON is handed to `on_statistics` this often
  // (inside Poll(), on the polling thread); zero or no callback disables them.
  absl::Duration statistics_interval = absl::Seconds(15);
  std::function<void(absl::string_view json)> on_statistics;
};

absl::StatusOr<std::unique_ptr<Consumer>> CreateRdKafkaConsumer(const ConsumerOptions& options);

}  // namespace ingest
