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
  // False: DescribeGroup answers UNIMPLEMENTED without asking. For clusters
  // that cannot describe groups: librdkafka 2.0's mock cluster never answers
  // DescribeGroups, and the unanswered request stalls every later request
  // on this client's connection.
  bool describe_groups = true;
};

absl::StatusOr<std::unique_ptr<KafkaAdmin>> CreateRdKafkaAdmin(const RdKafkaAdminOptions& options);

}  // namespace ingest
