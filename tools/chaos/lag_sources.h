#pragma once

// The two halves of consumer lag, each behind a narrow interface so the lag
// logic is tested with fakes: what Kafka holds (high watermarks) and what the
// worker has committed to PostgreSQL (consumer_offsets).

#include <cstdint>

#include "absl/status/statusor.h"

namespace ingest::chaos {

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

}  // namespace ingest::chaos
