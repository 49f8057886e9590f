#pragma once

// The progress line of a benchmark phase on stderr (tools/console's ticker:
// redrawn in place on a terminal, a plain line every few seconds elsewhere).

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/console/console.h"
#include "tools/console/progress.h"

namespace ingest::bench {

// "[bench] 100KB gateway throughput [#####-----]   6.5/13.0s  1520 msg/s":
// the bar is elapsed over expected.
std::string FormatPhaseStatus(absl::string_view title, absl::Duration elapsed,
                              absl::Duration expected, absl::string_view detail);

// "[bench] stream 256MB [#####-----]   3.2s  128/256 MB sent": for a phase
// whose length is not known in time, the bar is `fraction` of the work.
std::string FormatWorkStatus(absl::string_view title, absl::Duration elapsed, double fraction,
                             absl::string_view detail);

// Shows a phase's status line until Finish(). `detail` and `fraction` run on
// the ticker's thread and must be thread-safe.
class PhaseProgress {
 public:
  // A timed phase: the bar fills over `expected`. `out` is stderr (the
  // process's shared console) or, in tests, a file.
  PhaseProgress(std::FILE* out, std::string title, absl::Duration expected,
                std::function<std::string()> detail);
  // A phase measured in work: the bar shows `fraction()` (0 to 1).
  PhaseProgress(std::FILE* out, std::string title, std::function<double()> fraction,
                std::function<std::string()> detail);

  // Stops the ticker and leaves the final status on a line of its own.
  // Later calls do nothing.
  void Finish() { ticker_->Stop(); }

 private:
  PhaseProgress(std::FILE* out, std::function<std::string(absl::Duration elapsed)> line);

  std::unique_ptr<console::Console> own_console_;  // for an `out` other than stderr
  std::unique_ptr<console::ProgressTicker> ticker_;
};

}  // namespace ingest::bench
