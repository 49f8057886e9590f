#pragma once

// Consumer: the worker's narrow view of Kafka. One topic, one consumer group.
//
// Threads: every method, and every RebalanceListener callback, runs on the
// single thread that calls Poll(); callbacks run inside Poll().

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/kafka/record_headers.h"

namespace ingest {

struct ConsumedRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  absl::Time timestamp;
  // Record headers in order; empty for the gateway's records (only
  // broker-proxy's redrives and replays carry some).
  RecordHeaders headers;

  // The last value of header `name`; empty when absent.
  std::string Header(absl::string_view name) const {
    const std::string* value = FindHeader(headers, name);
    return value != nullptr ? *value : "";
  }
};

// Partition -> the offset of the next record to process.
using PartitionOffsets = std::map<int32_t, int64_t>;

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;

  // `partitions` were just assigned. Returns where to start each one; a
  // partition missing from the result starts at the earliest offset.
  virtual PartitionOffsets OnPartitionsAssigned(const std::vector<int32_t>& partitions) = 0;

  // `partitions` are being taken away: finish or abandon their work now;
  // after this returns their records may be processed by another member.
  virtual void OnPartitionsRevoked(const std::vector<int32_t>& partitions) = 0;

  // `partitions` were lost: the group may already have given them to
  // another member (this one's session expired, it was fenced, or its client
  // failed for good). Work under way may end, but nothing new may start:
  // whatever is held is abandoned and the next owner replays it from the
  // database offset. By default, a revocation.
  virtual void OnPartitionsLost(const std::vector<int32_t>& partitions) {
    OnPartitionsRevoked(partitions);
  }
};

class Consumer {
 public:
  virtual ~Consumer() = default;

  // Joins the group; `listener` must outlive the consumer.
  virtual absl::Status Subscribe(RebalanceListener* listener) = 0;

  // The next record, or nullopt if none arrived within `timeout`. A
  // partition whose next offset Kafka no longer has stops (logged as
  // kafka.offset_out_of_range); it is never silently moved.
  virtual std::optional<ConsumedRecord> Poll(absl::Duration timeout) = 0;

  // Stops / restarts fetching `partition`. Records already handed out stay
  // handed out; after Resume() the partition continues after the last
  // record Poll() returned for it.
  virtual void Pause(int32_t partition) = 0;
  virtual void Resume(int32_t partition) = 0;

  // The partition's high watermark (offset after its last record) as last
  // seen by the fetcher, if known. For lag metrics; never blocks.
  virtual std::optional<int64_t> HighWatermark(int32_t partition) {
    (void)partition;
    return std::nullopt;
  }

  // Records progress in Kafka for lag monitoring only; the database holds the
  // authoritative offsets. Fire-and-forget, and best effort: a consumer may
  // skip it while its group membership is changing or in doubt (a commit
  // with a stale membership can get the member fenced).
  virtual void CommitAsync(const PartitionOffsets& next_offsets) = 0;

  // Leaves the group (revoking every partition through the listener).
  virtual void Close() = 0;

  // FAILED_PRECONDITION once the consumer can no longer consume and will not
  // recover by itself (a librdkafka client after a fatal error, e.g. a
  // static member fenced by the broker; a RecreatingConsumer that gave up):
  // the caller stops.
  virtual absl::Status Health() const { return absl::OkStatus(); }

  // For a liveness probe: not OK while the consumer is failing, before
  // Health() gives up (a RecreatingConsumer whose replacements keep failing).
  virtual absl::Status Liveness() const { return Health(); }
};

}  // namespace ingest
