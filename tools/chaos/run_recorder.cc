#include "tools/chaos/run_recorder.h"

#include <algorithm>
#include <limits>

namespace ingest::chaos {

void RunRecorder::RecordAttempt(const client::AttemptInfo& attempt, absl::Time end) {
  const AttemptSpan span{
      .start_us = std::max<int64_t>(0, absl::ToInt64Microseconds(end - attempt.latency - origin_)),
      .latency_us = static_cast<int32_t>(std::clamp<int64_t>(
          absl::ToInt64Microseconds(attempt.latency), 0, std::numeric_limits<int32_t>::max())),
      .ok = attempt.status.ok()};
  const bool retried = attempt.next_wait.has_value();
  absl::MutexLock lock(&mu_);
  attempts_.push_back(span);
  ++totals_.attempts;
  if (!span.ok) ++totals_.errors;
  if (retried) {
    ++totals_.retries;
    ++retries_.retries;
    if (attempt.attempt == 1) ++retries_.calls_retrying;
    retries_.last_error = attempt.status;
    retries_.last_gateway = std::string(attempt.target);
  } else if (attempt.attempt > 1) {  // the last attempt of a retried call
    --retries_.calls_retrying;
  }
}

std::optional<RetrySummary> RunRecorder::TakeRetries() {
  absl::MutexLock lock(&mu_);
  if (retries_.retries == 0) return std::nullopt;
  RetrySummary taken = retries_;
  retries_.retries = 0;
  return taken;
}

void RunRecorder::RecordAck(absl::Time at) {
  const auto second = static_cast<size_t>(
      std::max<int64_t>(0, absl::ToInt64Seconds(absl::Floor(at - origin_, absl::Seconds(1)))));
  absl::MutexLock lock(&mu_);
  if (second >= acked_per_second_.size()) acked_per_second_.resize(second + 1);
  ++acked_per_second_[second];
  ++totals_.acked;
  last_ack_ = std::max(last_ack_, at);
}

RunTotals RunRecorder::totals() const {
  absl::MutexLock lock(&mu_);
  return totals_;
}

RunRecord RunRecorder::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return RunRecord{.origin = origin_,
                   .attempts = attempts_,
                   .acked_per_second = acked_per_second_,
                   .last_ack = last_ack_};
}

}  // namespace ingest::chaos
