#pragma once

// Creating topics through Kafka's admin API (librdkafka). broker-proxy will
// own topic policy; this is the mechanism underneath.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest {

struct TopicSpec {
  std::string name;
  int partitions = 8;
  int replication_factor = 1;
  // Topic-level configs, e.g. {"cleanup.policy", "delete"}.
  std::map<std::string, std::string> configs;
};

// Creates `spec.name` if it does not exist yet; OK if it already does.
absl::Status EnsureTopic(const std::string& bootstrap_servers, const TopicSpec& spec,
                         absl::Duration timeout);

// One partition of a topic as the cluster's metadata describes it.
struct PartitionReplicas {
  int32_t partition = -1;
  int32_t leader = -1;  // broker (node) id; -1 while the partition has no leader
  std::vector<int32_t> replicas;
  std::vector<int32_t> in_sync;
};

// The partitions of `topic`, in partition order, from the metadata of any
// reachable broker. NOT_FOUND if the cluster does not know the topic.
absl::StatusOr<std::vector<PartitionReplicas>> DescribePartitions(
    const std::string& bootstrap_servers, const std::string& topic, absl::Duration timeout);

}  // namespace ingest
