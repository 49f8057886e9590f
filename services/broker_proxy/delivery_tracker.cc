#include "services/broker_proxy/delivery_tracker.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest {

absl::Status DeliveryTracker::Produce(const std::string& topic, int32_t partition,
                                      std::string key, std::string value, RecordHeaders headers,
                                      absl::Time deadline) {
  const int64_t bytes = static_cast<int64_t>(key.size() + value.size());
  const int index = produced_;
  {
    absl::MutexLock lock(&state_->mutex);
    if (!state_->mutex.AwaitWithDeadline(absl::Condition(&State::HasRoom, state_.get()),
                                         deadline)) {
      return absl::DeadlineExceededError("the deadline passed with records still in flight");
    }
    if (!state_->error.ok()) return state_->error;
    state_->in_flight_bytes += bytes;
    ++state_->in_flight;
  }
  absl::Status enqueued = producer_.ProduceToPartition(
      topic, partition, std::move(key), std::move(value), std::move(headers),
      [state = state_, bytes, index](absl::StatusOr<RecordPosition> outcome) {
        absl::MutexLock lock(&state->mutex);
        state->in_flight_bytes -= bytes;
        --state->in_flight;
        if (!outcome.ok()) {
          if (state->error.ok()) state->error = outcome.status();
          return;
        }
        ++state->delivered;
        if (index == 0) state->first = *outcome;
        if (index >= state->last_index) {
          state->last_index = index;
          state->last = *outcome;
        }
      });
  if (!enqueued.ok()) {
    absl::MutexLock lock(&state_->mutex);
    state_->in_flight_bytes -= bytes;
    --state_->in_flight;
    return enqueued;
  }
  ++produced_;
  return absl::OkStatus();
}

absl::Status DeliveryTracker::Wait(absl::Time deadline) {
  absl::MutexLock lock(&state_->mutex);
  if (!state_->mutex.AwaitWithDeadline(absl::Condition(&State::Settled, state_.get()),
                                       deadline)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "the deadline passed with ", state_->in_flight, " records still in flight"));
  }
  return state_->error;
}

int DeliveryTracker::delivered() {
  absl::MutexLock lock(&state_->mutex);
  return state_->delivered;
}

RecordPosition DeliveryTracker::first() {
  absl::MutexLock lock(&state_->mutex);
  return state_->first;
}

RecordPosition DeliveryTracker::last() {
  absl::MutexLock lock(&state_->mutex);
  return state_->last;
}

}  // namespace ingest
