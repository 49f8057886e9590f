#pragma once

// In-memory TaskStore for tests: keeps persisted records and offsets per
// partition, and can be told to fail.

#include <map>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "services/worker/store/task_store.h"

namespace ingest {

class FakeTaskStore : public TaskStore {
 public:
  absl::StatusOr<PartitionOffsets> LoadNextOffsets(const std::string&,
                                                   const std::vector<int32_t>& partitions) override {
    if (load_failures_left > 0) {
      --load_failures_left;
      return absl::UnavailableError("database down");
    }
    PartitionOffsets result;
    for (int32_t partition : partitions) {
      auto it = offsets.find(partition);
      if (it != offsets.end()) result[partition] = it->second;
    }
    return result;
  }

  absl::Status PersistBatch(const std::string&, int32_t partition,
                            absl::Span<const TaskRecord> records, int64_t next_offset) override {
    ++persist_calls;
    if (failing_partitions.count(partition) > 0 || persist_failures_left > 0) {
      if (persist_failures_left > 0) --persist_failures_left;
      return absl::UnavailableError("lock timeout");
    }
    for (const TaskRecord& record : records) persisted[partition].push_back(record.offset);
    offsets[partition] = next_offset;
    batch_sizes.push_back(static_cast<int>(records.size()));
    return absl::OkStatus();
  }

  // Offsets of persisted records, per partition, in write order.
  std::map<int32_t, std::vector<int64_t>> persisted;
  PartitionOffsets offsets;
  std::vector<int> batch_sizes;
  int persist_calls = 0;
  int persist_failures_left = 0;
  int load_failures_left = 0;
  std::set<int32_t> failing_partitions;
};

}  // namespace ingest
