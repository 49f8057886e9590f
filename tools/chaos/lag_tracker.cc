#include "tools/chaos/lag_tracker.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest::chaos {

LagSample LagTracker::Update(absl::Time at, const absl::StatusOr<int64_t>& next_offsets,
                             const absl::StatusOr<int64_t>& high_watermarks) {
  if (next_offsets.ok()) committed_ = *next_offsets;
  if (high_watermarks.ok()) high_ = *high_watermarks;
  return LagSample{.at = at,
                   .lag = std::max<int64_t>(0, high_ - committed_),
                   .stale = !next_offsets.ok() || !high_watermarks.ok()};
}

LagSampler::LagSampler(Options options, CommittedOffsetSource& committed, HighWatermarkSource& high,
                       LagTracker initial, client::Clock& clock,
                       std::function<void(std::string)> log)
    : options_(options),
      committed_(committed),
      high_(high),
      clock_(clock),
      log_(std::move(log)),
      tracker_(initial) {}

LagSampler::~LagSampler() { Stop(); }

void LagSampler::NoteSide(const char* side, const absl::Status& status, bool& was_down) {
  if (!status.ok() && !was_down) {
    log_(absl::StrCat("lag: cannot read ", side, ", reusing its last value: ", status.ToString()));
  } else if (status.ok() && was_down) {
    log_(absl::StrCat("lag: ", side, " readable again"));
  }
  was_down = !status.ok();
}

LagSample LagSampler::SampleOnce() {
  const absl::StatusOr<int64_t> committed = committed_.SumNextOffsets();
  const absl::StatusOr<int64_t> high = high_.SumHighWatermarks();
  NoteSide("PostgreSQL consumer_offsets", committed.status(), pg_down_);
  NoteSide("Kafka high watermarks", high.status(), kafka_down_);
  const LagSample sample = tracker_.Update(clock_.Now(), committed, high);
  absl::MutexLock lock(&mu_);
  samples_.push_back(sample);
  return sample;
}

void LagSampler::Start() {
  if (thread_ != nullptr) return;
  thread_ = std::make_unique<PeriodicThread>(options_.interval, [this] { SampleOnce(); });
}

void LagSampler::Stop() {
  if (thread_ != nullptr) thread_->Stop();
}

DrainResult LagSampler::Drain(
    absl::Duration timeout,
    const std::function<void(absl::Duration, const LagSample&)>& on_sample) {
  const absl::Time begin = clock_.Now();
  DrainResult result;
  for (;;) {
    result.last = SampleOnce();
    result.ended = clock_.Now();
    if (on_sample) on_sample(result.ended - begin, result.last);
    if (!result.last.stale && result.last.lag == 0) {
      result.drained = true;
      return result;
    }
    if (result.ended - begin >= timeout) return result;
    clock_.SleepFor(options_.interval);
  }
}

std::optional<LagSample> LagSampler::Latest() const {
  absl::MutexLock lock(&mu_);
  if (samples_.empty()) return std::nullopt;
  return samples_.back();
}

std::vector<LagSample> LagSampler::Samples() const {
  absl::MutexLock lock(&mu_);
  return samples_;
}

}  // namespace ingest::chaos
