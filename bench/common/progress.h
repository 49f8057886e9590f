#pragma once

// The progress line on stderr while a phase runs. On a terminal it is redrawn
// in place; elsewhere (a log, CI) a plain line is written every few seconds.

#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace ingest::bench {

// "[#####---------------]": `fraction` (clamped to [0, 1]) of `width` cells.
std::string ProgressBar(double fraction, int width);

// "[bench] 100KB gateway throughput [#####-----]   6.5/13.0s  1520 msg/s":
// the bar is elapsed over expected.
std::string FormatPhaseStatus(absl::string_view title, absl::Duration elapsed,
                              absl::Duration expected, absl::string_view detail);

// "[bench] stream 256MB [#####-----]   3.2s  128/256 MB sent": for a phase
// whose length is not known in time, the bar is `fraction` of the work.
std::string FormatWorkStatus(absl::string_view title, absl::Duration elapsed, double fraction,
                             absl::string_view detail);

// Shows a phase's status line from its own thread until Finish(). `detail`
// and `fraction` run on that thread and must be thread-safe.
class PhaseProgress {
 public:
  // A timed phase: the bar fills over `expected`.
  PhaseProgress(std::FILE* out, std::string title, absl::Duration expected,
                std::function<std::string()> detail);
  // A phase measured in work: the bar shows `fraction()` (0 to 1).
  PhaseProgress(std::FILE* out, std::string title, std::function<double()> fraction,
                std::function<std::string()> detail);
  ~PhaseProgress() { Finish(); }

  PhaseProgress(const PhaseProgress&) = delete;
  PhaseProgress& operator=(const PhaseProgress&) = delete;

  // Stops the thread and leaves the final status on a line of its own.
  // Later calls do nothing.
  void Finish();

 private:
  PhaseProgress(std::FILE* out, std::string title, absl::Duration expected,
                std::function<double()> fraction, std::function<std::string()> detail);
  void Show(bool final);

  std::FILE* const out_;
  const bool is_tty_;
  const std::string title_;
  const absl::Duration expected_;
  const std::function<double()> fraction_;  // empty for a timed phase
  const std::function<std::string()> detail_;
  const absl::Time start_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace ingest::bench
