#pragma once

// The one progress display of the tools and benchmarks: a bar, and a thread
// that keeps a status line up to date on a Console.

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "services/common/threading/periodic_thread.h"
#include "tools/console/console.h"

namespace ingest::console {

// "[#####---------------]": `fraction` (clamped to [0, 1]) of `width` cells.
std::string ProgressBar(double fraction, int width);

// How often a ticker redraws: a terminal gets a live line, a log a line
// every few seconds.
struct TickIntervals {
  absl::Duration tty = absl::Milliseconds(250);
  absl::Duration log = absl::Seconds(5);
};

// Shows `line()` as the console's status from its own thread until Stop().
// `line` runs on that thread and must be thread-safe.
class ProgressTicker {
 public:
  // Starts ticking at once. `console` must outlive the ticker.
  ProgressTicker(Console& console, std::function<std::string()> line, TickIntervals intervals = {});
  ~ProgressTicker() { Stop(); }

  ProgressTicker(const ProgressTicker&) = delete;
  ProgressTicker& operator=(const ProgressTicker&) = delete;

  // Stops the thread, shows the line a last time and ends the status line.
  // Call from the thread that created the ticker; later calls do nothing.
  void Stop();

 private:
  Console& console_;
  const std::function<std::string()> line_;
  PeriodicThread thread_;
  bool stopped_ = false;
};

}  // namespace ingest::console
