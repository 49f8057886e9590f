#include "tools/chaos/run_recorder.h"

#include <algorithm>
#include <limits>

namespace ingest::chaos {
namespace {

int32_t ClampedMillis(absl::Duration duration) {
  return static_cast<int32_t>(std::clamp<int64_t>(
      absl::ToInt64Milliseconds(absl::Floor(duration, absl::Milliseconds(1))), 0,
                                                  std::numeric_limits<int32_t>::max()));
}

}  // namespace

SecondStats& RunRecorder::SecondAt(absl::Time time) {
  const int64_t index =
      std::max<int64_t>(0, absl::ToInt64Seconds(absl::Floor(time - origin_, absl::Seconds(1))));
  if (static_cast<size_t>(index) >= seconds_.size()) seconds_.resize(index + 1);
  return seconds_[index];
}

void RunRecorder::RecordAttempt(const AttemptRecord& attempt) {
  const absl::Duration duration = attempt.end - attempt.start;
  const bool ok = attempt.code == absl::StatusCode::kOk;
  absl::MutexLock lock(&mu_);
  SecondStats& second = SecondAt(attempt.start);
  ++second.attempts;
  const auto code = static_cast<size_t>(attempt.code);
  const size_t slot =
      code < second.by_code.size() ? code : static_cast<size_t>(absl::StatusCode::kUnknown);
  ++second.by_code[slot];
  if (attempt.stream) ++second.stream_attempts;
  if (ok) {
    ++second.ok;
    second.ok_latency.Add(duration);
  }
  second.max_duration = std::max(second.max_duration, duration);

  ++totals_.attempts;
  if (!ok) ++totals_.errors;
  if (spans_.size() < kMaxSpans) {
    spans_.push_back({.start_ms = ClampedMillis(attempt.start - origin_),
                      .end_ms = ClampedMillis(attempt.end - origin_),
                      .ok = ok});
  } else {
    spans_complete_ = false;
  }
}

void RunRecorder::RecordAck(absl::Time at) {
  absl::MutexLock lock(&mu_);
  ++SecondAt(at).acked;
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
                   .seconds = seconds_,
                   .spans = spans_,
                   .spans_complete = spans_complete_,
                   .last_ack = last_ack_};
}

}  // namespace ingest::chaos
