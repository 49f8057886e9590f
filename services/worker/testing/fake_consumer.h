#pragma once

// Consumer for tests: hands out queued records in order, skipping paused
// partitions as librdkafka does, and records pauses, resumes and commits.

#include <deque>
#include <map>
#include <set>

#include "services/common/kafka/consumer.h"

namespace ingest {

class FakeConsumer : public Consumer {
 public:
  absl::Status Subscribe(RebalanceListener* listener) override {
    listener_ = listener;
    return absl::OkStatus();
  }

  std::optional<ConsumedRecord> Poll(absl::Duration) override {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (paused.count(it->partition) > 0) continue;
      ConsumedRecord record = std::move(*it);
      queue_.erase(it);
      return record;
    }
    return std::nullopt;
  }

  void Pause(int32_t partition) override {
    paused.insert(partition);
    ++pause_calls;
  }
  void Resume(int32_t partition) override { paused.erase(partition); }
  void CommitAsync(const PartitionOffsets& next_offsets) override {
    for (const auto& [partition, offset] : next_offsets) committed[partition] = offset;
  }
  void Close() override { closed = true; }
  absl::Status Health() const override { return health; }
  std::optional<int64_t> HighWatermark(int32_t partition) override {
    auto it = high_watermarks.find(partition);
    if (it == high_watermarks.end()) return std::nullopt;
    return it->second;
  }

  void Enqueue(ConsumedRecord record) { queue_.push_back(std::move(record)); }
  bool Empty() const { return queue_.empty(); }

  std::set<int32_t> paused;
  int pause_calls = 0;
  PartitionOffsets committed;
  bool closed = false;
  absl::Status health;  // set to fail the consumer for good
  // What HighWatermark answers per partition (absent: unknown).
  std::map<int32_t, int64_t> high_watermarks;

 private:
  RebalanceListener* listener_ = nullptr;
  std::deque<ConsumedRecord> queue_;
};

}  // namespace ingest
