#pragma once

// RecreatingConsumer: a Consumer that replaces its client when the client
// fails for good, instead of making the process exit.
//
// librdkafka gives up on a consumer for some errors (a static member fenced
// by the broker: FENCED_INSTANCE_ID, and other fatal errors). Offsets live
// in the database, so nothing is lost by starting over: the failed client's
// partitions are reported lost to the listener (work under way ends, what
// is held is abandoned), the client is disposed of without the close
// handshake, and a new one is created and subscribed; its assignment
// resumes from the database offsets. Replacements are paced by a
// RecoveryBudget: one that fails again before its group assigned it
// anything waits a capped exponential backoff; after `max_failures` in a
// row Health() fails and the caller exits. Liveness() fails from the second
// failure in a row on, so a probe sees the trouble first.
//
// Threads: like Consumer, everything but Health() and Liveness() runs on the
// polling thread; those two may be called from any thread.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/kafka/consumer.h"
#include "services/common/retry/recovery_budget.h"

namespace ingest {

using ConsumerFactory = std::function<absl::StatusOr<std::unique_ptr<Consumer>>()>;

struct RecreatingConsumerOptions {
  RecoveryBudgetOptions budget;
  // Called after each replacement with the reason the client before it
  // failed (librdkafka's error name, e.g. "FENCED_INSTANCE_ID").
  std::function<void(const std::string& reason)> on_recreated;
  // Injected for tests.
  std::function<absl::Time()> now = [] { return absl::Now(); };
  std::function<void(absl::Duration)> sleep = [](absl::Duration d) { absl::SleepFor(d); };
};

class RecreatingConsumer final : public Consumer, private RebalanceListener {
 public:
  // Creates the first client through `factory`; its error (bad
  // configuration) is returned as is.
  static absl::StatusOr<std::unique_ptr<RecreatingConsumer>> Create(
      ConsumerFactory factory, RecreatingConsumerOptions options);

  absl::Status Subscribe(RebalanceListener* listener) override;
  std::optional<ConsumedRecord> Poll(absl::Duration timeout) override;
  void Pause(int32_t partition) override;
  void Resume(int32_t partition) override;
  std::optional<int64_t> HighWatermark(int32_t partition) override;
  void CommitAsync(const PartitionOffsets& next_offsets) override;
  void Close() override;
  absl::Status Health() const override;
  absl::Status Liveness() const override;

  // Clients replaced so far.
  int recreations() const { return recreations_; }

 private:
  RecreatingConsumer(ConsumerFactory factory, RecreatingConsumerOptions options,
                     std::unique_ptr<Consumer> first);

  PartitionOffsets OnPartitionsAssigned(const std::vector<int32_t>& partitions) override;
  void OnPartitionsRevoked(const std::vector<int32_t>& partitions) override;
  void OnPartitionsLost(const std::vector<int32_t>& partitions) override;

  // Reports the failed client's partitions lost and disposes of it.
  void Retire(const absl::Status& cause);
  // Creates and subscribes a new client (one attempt).
  void Replace();
  void Failed(const absl::Status& cause);
  void UpdateStatus();

  const ConsumerFactory factory_;
  const RecreatingConsumerOptions options_;
  std::unique_ptr<Consumer> current_;
  RebalanceListener* listener_ = nullptr;
  std::set<int32_t> owned_;
  RecoveryBudget budget_;
  std::string last_reason_;
  int recreations_ = 0;
  bool closed_ = false;

  mutable absl::Mutex status_mutex_;
  absl::Status health_ ABSL_GUARDED_BY(status_mutex_);
  absl::Status liveness_ ABSL_GUARDED_BY(status_mutex_);
};

}  // namespace ingest
