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
};

absl::StatusOr<std::unique_ptr<KafkaAdmin>> CreateRdKafkaAdmin(const RdKafkaAdminOptions& options);

}  // namespace ingest
