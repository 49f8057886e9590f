#pragma once

// Creating topics through Kafka's admin API (librdkafka). broker-proxy will
// own topic policy; this is the mechanism underneath.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
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

}  // namespace ingest
