#pragma once

// TaskStore: the worker's narrow view of PostgreSQL.
//
// PersistBatch is the exactly-once step: the rows of a batch and the
// partition's next offset commit in one transaction, so after any crash the
// database says precisely where to resume. Row keys (session, payload_id,
// chunk) make re-persisting an already stored record a no-op.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ingest/v1/task.pb.h"
#include "services/common/kafka/consumer.h"

namespace ingest {

// One decoded record of a partition, with where it came from.
struct TaskRecord {
  int64_t offset = -1;
  v1::Task task;
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // The stored next offset of each of `partitions` that has one.
  virtual absl::StatusOr<PartitionOffsets> LoadNextOffsets(
      const std::string& topic, const std::vector<int32_t>& partitions) = 0;

  // Persists `records` (in order) and sets the partition's next offset to
  // `next_offset`, atomically. On error nothing of the batch is stored; the
  // status code says whether a retry can help (see pg_status.h).
  virtual absl::Status PersistBatch(const std::string& topic, int32_t partition,
                                    absl::Span<const TaskRecord> records, int64_t next_offset) = 0;
};

}  // namespace ingest
