#pragma once

// Consumer backed by librdkafka's high-level consumer: cooperative-sticky
// assignment, optional static membership, auto commit and auto offset store
// off (the worker decides what is processed).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
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
};

absl::StatusOr<std::unique_ptr<Consumer>> CreateRdKafkaConsumer(const ConsumerOptions& options);

}  // namespace ingest
