#pragma once

// RecreatingProducer: a Producer that replaces its client when the client
// fails for good (librdkafka's fatal errors, e.g. an idempotent producer
// whose sequence is broken), instead of failing every Produce() from then on.
//
// Records the failed client had accepted fail through their callbacks (the
// caller retries them); the next Produce() disposes of the failed client and
// creates a new one. Replacements are paced by a RecoveryBudget: one that
// fails again before it delivered anything waits a capped exponential
// backoff (Produce() answers UNAVAILABLE meanwhile); after `max_failures` in
// a row Health() fails and the caller should exit. Liveness() fails from the
// second failure in a row on.
//
// Thread-safe, like Producer.

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/kafka/producer.h"
#include "services/common/retry/recovery_budget.h"

namespace ingest {

using ProducerFactory = std::function<absl::StatusOr<std::unique_ptr<Producer>>()>;

struct RecreatingProducerOptions {
  // Names the producer in errors and logs ("the DLQ producer").
  std::string what = "the Kafka producer";
  RecoveryBudgetOptions budget;
  // Called after each replacement with the reason the client before it
  // failed (librdkafka's error name).
  std::function<void(const std::string& reason)> on_recreated;
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

class RecreatingProducer final : public Producer {
 public:
  // Creates the first client through `factory`; its error is returned as is.
  static absl::StatusOr<std::unique_ptr<RecreatingProducer>> Create(
      ProducerFactory factory, RecreatingProducerOptions options);

  absl::Status Produce(absl::string_view topic, std::string key, std::string value,
                       DeliveryCallback on_delivery) override;
  absl::Status ProduceWithHeaders(absl::string_view topic, std::string key, std::string value,
                                  RecordHeaders headers, DeliveryCallback on_delivery) override;
  absl::Status ProduceToPartition(absl::string_view topic, int32_t partition, std::string key,
                                  std::string value, RecordHeaders headers,
                                  DeliveryCallback on_delivery) override;
  absl::Status Flush(absl::Duration timeout) override;
  absl::Status CheckReachable(absl::string_view topic, absl::Duration timeout) override;
  absl::Status Health() const override;
  absl::Status Liveness() const override;

  int recreations() const;

 private:
  RecreatingProducer(ProducerFactory factory, RecreatingProducerOptions options,
                     std::unique_ptr<Producer> first);

  // The client to use: the current one, or a new one in place of a failed
  // one; UNAVAILABLE while a replacement waits out its backoff.
  absl::StatusOr<std::shared_ptr<Producer>> Current();
  // `call` on the client Current() gives, or Current()'s error.
  template <typename Call>
  absl::Status OnCurrent(Call&& call) {
    absl::StatusOr<std::shared_ptr<Producer>> producer = Current();
    if (!producer.ok()) return producer.status();
    return call(**producer);
  }
  // Notes a delivery, which shows the current client works.
  DeliveryCallback Noting(DeliveryCallback on_delivery);

  const ProducerFactory factory_;
  const RecreatingProducerOptions options_;
  // Set by delivery callbacks (any thread, no lock: a client's destructor
  // runs its callbacks while mutex_ is held).
  std::atomic<bool> delivered_{false};
  mutable absl::Mutex mutex_;
  std::shared_ptr<Producer> current_ ABSL_GUARDED_BY(mutex_);
  RecoveryBudget budget_ ABSL_GUARDED_BY(mutex_);
  std::string last_reason_ ABSL_GUARDED_BY(mutex_);
  int recreations_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace ingest
