#pragma once

// RecordingProducer: a Producer for gateway tests that keeps every record
// it is given (decoded as a Task) and acknowledges each one on its own
// delivery thread, in order, at offsets 0, 1, 2... of partition 0 — like
// librdkafka, never inline in Produce(), so callers that produce under a
// lock see the same threading as in production.
//
// Thread-safe.

#include <deque>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "ingest/v1/task.pb.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/producer.h"
#include "services/common/status/status_macros.h"

namespace ingest {

class RecordingProducer final : public Producer {
 public:
  RecordingProducer() : delivery_thread_([this] { DeliverUntilStopped(); }) {}
  ~RecordingProducer() override {
    {
      absl::MutexLock lock(&mutex_);
      stopping_ = true;
    }
    delivery_thread_.join();
  }

  absl::Status Produce(absl::string_view topic, std::string key, std::string value,
                       DeliveryCallback on_delivery) override {
    ASSIGN_OR_RETURN(v1::Task task, DecodeTask(value));
    absl::MutexLock lock(&mutex_);
    tasks_.push_back(std::move(task));
    pending_.push_back(std::move(on_delivery));
    return absl::OkStatus();
  }

  absl::Status Flush(absl::Duration timeout) override {
    absl::MutexLock lock(&mutex_);
    // Conditions run with mutex_ held (absl::Mutex::Await).
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return pending_.empty() && !delivering_;
    };
    return mutex_.AwaitWithTimeout(absl::Condition(&drained), timeout)
               ? absl::OkStatus()
               : absl::DeadlineExceededError("records still waiting for delivery");
  }

  absl::Status CheckReachable(absl::string_view, absl::Duration) override {
    return absl::OkStatus();
  }

  // Every record produced so far, in order.
  std::vector<v1::Task> tasks() const {
    absl::MutexLock lock(&mutex_);
    return tasks_;
  }

 private:
  void DeliverUntilStopped() {
    int64_t offset = 0;
    while (true) {
      DeliveryCallback done;
      {
        absl::MutexLock lock(&mutex_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
          return stopping_ || !pending_.empty();
        };
        mutex_.Await(absl::Condition(&ready));
        if (pending_.empty()) return;
        done = std::move(pending_.front());
        pending_.pop_front();
        delivering_ = true;
      }
      std::move(done)(RecordPosition{0, offset++});
      absl::MutexLock lock(&mutex_);
      delivering_ = false;
    }
  }

  mutable absl::Mutex mutex_;
  std::vector<v1::Task> tasks_ ABSL_GUARDED_BY(mutex_);
  std::deque<DeliveryCallback> pending_ ABSL_GUARDED_BY(mutex_);
  bool delivering_ ABSL_GUARDED_BY(mutex_) = false;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread delivery_thread_;
};

}  // namespace ingest
