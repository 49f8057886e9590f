#pragma once

// DeliveryTracker: records a redrive or replay hands to a Producer, and
// their deliveries. Bounds the bytes in flight, remembers where the first
// and the last record landed, and stops at the first failure.
//
// Used from one thread (the RPC's); delivery callbacks run on the
// producer's delivery thread and may outlive the tracker (a deadline
// passed), hence the shared state.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/kafka/producer.h"

namespace ingest {

class DeliveryTracker {
 public:
  // `producer` must outlive the tracker.
  DeliveryTracker(Producer& producer, int64_t max_in_flight_bytes)
      : producer_(producer), state_(std::make_shared<State>(max_in_flight_bytes)) {}

  // Waits (until `deadline`) while too many bytes are in flight, then hands
  // the record to the producer. An error: an earlier delivery failed, the
  // deadline passed, or the producer refused the record.
  absl::Status Produce(const std::string& topic, int32_t partition, std::string key,
                       std::string value, RecordHeaders headers, absl::Time deadline);

  // Waits until every record handed over was delivered or failed, or
  // `deadline`. The first delivery error, if any.
  absl::Status Wait(absl::Time deadline);

  // Records delivered so far; where the first record handed over landed;
  // where the latest handed over of those delivered landed.
  int delivered();
  RecordPosition first();
  RecordPosition last();

 private:
  struct State {
    explicit State(int64_t max_in_flight_bytes) : max_in_flight_bytes(max_in_flight_bytes) {}
    static bool HasRoom(State* state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mutex) {
      return !state->error.ok() || state->in_flight_bytes < state->max_in_flight_bytes;
    }
    static bool Settled(State* state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mutex) {
      return state->in_flight == 0;
    }

    const int64_t max_in_flight_bytes;
    absl::Mutex mutex;
    int64_t in_flight_bytes ABSL_GUARDED_BY(mutex) = 0;
    int in_flight ABSL_GUARDED_BY(mutex) = 0;
    int delivered ABSL_GUARDED_BY(mutex) = 0;
    absl::Status error ABSL_GUARDED_BY(mutex);
    RecordPosition first ABSL_GUARDED_BY(mutex);
    RecordPosition last ABSL_GUARDED_BY(mutex);
    int last_index ABSL_GUARDED_BY(mutex) = -1;
  };

  Producer& producer_;
  const std::shared_ptr<State> state_;
  int produced_ = 0;  // the calling thread's only
};

}  // namespace ingest
