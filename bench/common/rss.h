#pragma once

// Resident memory of another process, from /proc/<pid>/status (VmRSS).

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/threading/periodic_thread.h"

namespace ingest::bench {

// The VmRSS line of a /proc/<pid>/status text ("VmRSS:   12345 kB"), in bytes.
absl::StatusOr<int64_t> ParseVmRssBytes(absl::string_view status_text);

// Reads and parses /proc/<pid>/status. NOT_FOUND if the process is gone.
absl::StatusOr<int64_t> ReadVmRssBytes(int pid);

// Samples a process's RSS every `interval` on its own thread, keeping the
// peak, until Stop(). Thread-safe.
class RssSampler {
 public:
  // Takes the first sample at once.
  RssSampler(int pid, absl::Duration interval);
  ~RssSampler() { Stop(); }

  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  // Takes a last sample and joins the thread; later calls do nothing.
  void Stop();

  int64_t peak_bytes() const;
  int64_t samples() const;
  // The first failed read, if any (e.g. the process exited).
  absl::Status status() const;

 private:
  void Sample();

  const int pid_;
  mutable absl::Mutex mu_;
  int64_t peak_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t samples_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  bool stopped_ = false;   // the owner's thread only
  PeriodicThread thread_;  // last: ticks once the rest exists
};

}  // namespace ingest::bench
