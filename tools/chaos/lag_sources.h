#pragma once

// The two halves of consumer lag, each behind a narrow interface so the lag
// logic is tested with fakes: what Kafka holds (high watermarks) and what the
// worker has committed to PostgreSQL (consumer_offsets).

#include <cstdint>
#include <map>

#include "absl/status/statusor.h"

namespace ingest::chaos {

// The sum of the offsets of every partition read.
inline absl::StatusOr<int64_t> SumOf(const absl::StatusOr<std::map<int32_t, int64_t>>& offsets) {
  if (!offsets.ok()) return offsets.status();
  int64_t sum = 0;
  for (const auto& [partition, offset] : *offsets) sum += offset;
  return sum;
}

// Sum over the topic's partitions of the high watermark (the offset after
// the last record). Used from one thread at a time.
class HighWatermarkSource {
 public:
  virtual ~HighWatermarkSource() = default;
  virtual absl::StatusOr<int64_t> SumHighWatermarks() = 0;
};

// Sum over the topic's rows in consumer_offsets of next_offset (a partition
// without a row counts 0). Used from one thread at a time.
class CommittedOffsetSource {
 public:
  virtual ~CommittedOffsetSource() = default;
  virtual absl::StatusOr<int64_t> SumNextOffsets() = 0;
};

// The same two sides partition by partition, for measurements that follow
// individual partitions (a failover: when are a dead worker's partitions
// consumed again?). Used from one thread at a time.
class PartitionHighWatermarkSource : public HighWatermarkSource {
 public:
  // Partitions of the topic (read once, when connecting).
  virtual int partition_count() const = 0;
  // partition -> high watermark, for every partition of the topic.
  virtual absl::StatusOr<std::map<int32_t, int64_t>> ReadHighWatermarks() = 0;

  absl::StatusOr<int64_t> SumHighWatermarks() override { return SumOf(ReadHighWatermarks()); }
};

class PartitionCommittedOffsetSource : public CommittedOffsetSource {
 public:
  // partition -> next_offset, for the topic's partitions that have a row.
  virtual absl::StatusOr<std::map<int32_t, int64_t>> ReadNextOffsets() = 0;

  absl::StatusOr<int64_t> SumNextOffsets() override { return SumOf(ReadNextOffsets()); }
};

}  // namespace ingest::chaos
