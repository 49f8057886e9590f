#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/cpp/clock.h"
#include "services/common/threading/periodic_thread.h"
#include "tools/chaos/lag_sources.h"

namespace ingest::chaos {

// One lag measurement.
struct LagSample {
  absl::Time at;
  int64_t lag = 0;
  // One side could not be read and its last known value was used.
  bool stale = false;
};

// Turns reads of both sides into samples. When a side cannot be read its last
// known value stands in: while Kafka is down nothing is produced, so its
// high watermarks do not move; while PostgreSQL is down (or consumer_offsets
// is locked) nothing is committed, so the offsets do not move either. Lag is
// never negative. Pure; not thread-safe.
class LagTracker {
 public:
  // The values read before the load started.
  LagTracker(int64_t high_watermarks, int64_t next_offsets)
      : high_(high_watermarks), committed_(next_offsets) {}

  LagSample Update(absl::Time at, const absl::StatusOr<int64_t>& next_offsets,
                   const absl::StatusOr<int64_t>& high_watermarks);

 private:
  int64_t high_;
  int64_t committed_;
};

// How a wait for the lag to reach 0 ended (LagSampler::Drain).
struct DrainResult {
  bool drained = false;  // a fresh sample showed lag 0
  absl::Time ended;
  LagSample last;  // the last sample taken
};

// Samples the lag on its own thread every `interval` and keeps every sample
// (two a second: ~2,400 for a 20-minute run). Logs through `log` once when a
// side becomes unreadable and once when it is back. Thread-safe.
class LagSampler {
 public:
  struct Options {
    absl::Duration interval = absl::Milliseconds(500);
  };

  // The sources must outlive the sampler and are used from its thread only.
  // `initial` holds the values read at pre-flight.
  LagSampler(Options options, CommittedOffsetSource& committed, HighWatermarkSource& high,
             LagTracker initial, client::Clock& clock, std::function<void(std::string)> log);
  ~LagSampler();

  // Reads both sides once (PostgreSQL first, so a high watermark read later
  // cannot be behind the offsets) and appends a sample. Called by the thread;
  // tests call it directly.
  LagSample SampleOnce();

  // Starts / stops the sampling thread (Stop joins; both idempotent).
  void Start();
  void Stop();

  // After Stop(): samples on the calling thread every `interval` of the
  // clock until a sample is fresh (not stale) and shows lag 0, or `timeout`
  // has passed; `on_sample(elapsed, sample)` hears each sample (for a
  // progress line).
  DrainResult Drain(absl::Duration timeout,
                    const std::function<void(absl::Duration, const LagSample&)>& on_sample);

  std::optional<LagSample> Latest() const;
  std::vector<LagSample> Samples() const;

 private:
  void NoteSide(const char* side, const absl::Status& status, bool& was_down);

  const Options options_;
  CommittedOffsetSource& committed_;
  HighWatermarkSource& high_;
  client::Clock& clock_;
  const std::function<void(std::string)> log_;

  // Only touched by the sampling thread (or a test calling SampleOnce).
  LagTracker tracker_;
  bool kafka_down_ = false;
  bool pg_down_ = false;

  mutable absl::Mutex mu_;
  std::vector<LagSample> samples_ ABSL_GUARDED_BY(mu_);

  std::unique_ptr<PeriodicThread> thread_;
};

}  // namespace ingest::chaos
