#pragma once

// One-shot topic operations for tools and scripts (kafka_topics, the
// benchmarks, the topic reader): each call opens a KafkaAdmin
// (CreateRdKafkaAdmin), makes one request and closes it. Services that make
// many requests hold a KafkaAdmin instead; broker-proxy owns topic policy.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/kafka_admin.h"

namespace ingest {

// Creates `spec.name` if it does not exist yet; OK if it already does.
absl::Status EnsureTopic(const std::string& bootstrap_servers, const TopicSpec& spec,
                         absl::Duration timeout);

// The partitions of `topic`, in partition order, from the metadata of any
// reachable broker. NOT_FOUND if the cluster does not know the topic.
absl::StatusOr<std::vector<PartitionReplicas>> DescribePartitions(
    const std::string& bootstrap_servers, const std::string& topic, absl::Duration timeout);

}  // namespace ingest
