#pragma once

// Which broker coordinates a consumer group (./dev chaos coordinator-kill
// kills it). Kafka's DescribeConsumerGroups answer names the coordinator.
//
// The place for this is KafkaAdmin::DescribeGroup (services/common/kafka),
// which does not report the coordinator yet; until it does, this small
// librdkafka call lives with its only user.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest {

// The node id of the broker coordinating `group`, asking the cluster at
// `bootstrap_servers` within `timeout`. UNAVAILABLE when no answer came in
// time, the group's own error (e.g. COORDINATOR_NOT_AVAILABLE) otherwise.
absl::StatusOr<int32_t> GroupCoordinator(const std::string& bootstrap_servers,
                                         const std::string& group, absl::Duration timeout);

}  // namespace ingest
