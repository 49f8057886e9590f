#pragma once

// ShardedProducer: several producers behind one Producer, chosen by key.
//
// librdkafka compresses and sends all of a broker's records on one thread
// per client; at hundreds of MB/s that thread is the gateway's bottleneck.
// Spreading keys over N clients spreads that work over cores. A key always
// maps to the same client, so all records of a session still go through one
// idempotent producer, in order: per-session ordering is unchanged.
//
// Thread-safe (the shards are).

#include <memory>
#include <vector>

#include "services/common/kafka/producer.h"

namespace ingest {

class ShardedProducer final : public Producer {
 public:
  // `shards` must not be empty.
  explicit ShardedProducer(std::vector<std::unique_ptr<Producer>> shards)
      : shards_(std::move(shards)) {}

  absl::Status Produce(absl::string_view topic, std::string key, std::string value,
                       DeliveryCallback on_delivery) override;
  absl::Status ProduceWithHeaders(absl::string_view topic, std::string key, std::string value,
                                  RecordHeaders headers, DeliveryCallback on_delivery) override;
  absl::Status Flush(absl::Duration timeout) override;
  absl::Status CheckReachable(absl::string_view topic, absl::Duration timeout) override;

  // The shard `key` maps to (stable for the life of the process).
  size_t ShardOf(absl::string_view key) const;

 private:
  std::vector<std::unique_ptr<Producer>> shards_;
};

}  // namespace ingest
