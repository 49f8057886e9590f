#pragma once

// KafkaAdmin over librdkafka's admin API: one long-lived client handle for
// admin and metadata requests; RecordTimestamps uses a short-lived consumer.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/kafka_admin.h"

namespace ingest {

struct RdKafkaAdminOptions {
  std::string bootstrap_servers;
  // Bound on each admin request; past it the call answers UNAVAILABLE.
  absl::Duration timeout = absl::Seconds(10);
  // False: a cluster that answers only metadata, offset and fetch requests
  // (librdkafka 2.0's mock): CreateTopic, DescribeTopicConfigs and
  // DescribeGroup answer UNIMPLEMENTED at once without asking. (The mock
  // never answers DescribeGroups, and that request stalls every later one
  // on this client's connection; DescribeConfigs takes the whole timeout.)
  bool full_admin_api = true;
  // True: librdkafka's own log lines are dropped (a tool watching a broker
  // outage); failures still reach the caller as statuses.
  bool quiet = false;
};

absl::StatusOr<std::unique_ptr<KafkaAdmin>> CreateRdKafkaAdmin(const RdKafkaAdminOptions& options);

}  // namespace ingest
