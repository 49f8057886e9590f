#include "tools/console/progress.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest::console {

std::string ProgressBar(double fraction, int width) {
  if (!(fraction > 0)) fraction = 0;  // also NaN
  fraction = std::min(fraction, 1.0);
  const int filled = static_cast<int>(std::lround(fraction * width));
  return absl::StrCat("[", std::string(static_cast<size_t>(filled), '#'),
                      std::string(static_cast<size_t>(width - filled), '-'), "]");
}

ProgressTicker::ProgressTicker(Console& console, std::function<std::string()> line,
                               TickIntervals intervals)
    : console_(console),
      line_(std::move(line)),
      thread_(console.is_tty() ? intervals.tty : intervals.log,
              [this] { console_.SetStatus(line_()); }) {}

void ProgressTicker::Stop() {
  if (stopped_) return;
  stopped_ = true;
  thread_.Stop();
  console_.SetStatus(line_());
  console_.EndStatus();
}

}  // namespace ingest::console
