#include "services/common/kafka/sharded_producer.h"

#include "absl/time/clock.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// FNV-1a: stable across runs and builds (absl::Hash is salted per process,
// which would be fine here, but a fixed mapping is easier to reason about).
uint64_t Fnv1a(absl::string_view key) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

size_t ShardedProducer::ShardOf(absl::string_view key) const {
  return static_cast<size_t>(Fnv1a(key) % shards_.size());
}

absl::Status ShardedProducer::Produce(absl::string_view topic, std::string key, std::string value,
                                      DeliveryCallback on_delivery) {
  Producer& shard = *shards_[ShardOf(key)];
  return shard.Produce(topic, std::move(key), std::move(value), std::move(on_delivery));
}

absl::Status ShardedProducer::ProduceWithHeaders(absl::string_view topic, std::string key,
                                                 std::string value, RecordHeaders headers,
                                                 DeliveryCallback on_delivery) {
  Producer& shard = *shards_[ShardOf(key)];
  return shard.ProduceWithHeaders(topic, std::move(key), std::move(value), std::move(headers),
                                  std::move(on_delivery));
}

absl::Status ShardedProducer::Flush(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status result = absl::OkStatus();
  for (auto& shard : shards_) {
    absl::Status status = shard->Flush(std::max(absl::ZeroDuration(), deadline - absl::Now()));
    if (result.ok()) result = status;
  }
  return result;
}

absl::Status ShardedProducer::CheckReachable(absl::string_view topic, absl::Duration timeout) {
  // Every shard must reach the cluster, or some sessions could not be served.
  for (auto& shard : shards_) {
    RETURN_IF_ERROR(shard->CheckReachable(topic, timeout));
  }
  return absl::OkStatus();
}

}  // namespace ingest
