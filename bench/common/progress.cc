#include "bench/common/progress.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace ingest::bench {

std::string FormatPhaseStatus(absl::string_view title, absl::Duration elapsed,
                              absl::Duration expected, absl::string_view detail) {
  const double fraction =
      expected > absl::ZeroDuration() ? absl::FDivDuration(elapsed, expected) : 1.0;
  std::string line =
      absl::StrFormat("[bench] %s %s %5.1f/%.1fs", title, console::ProgressBar(fraction, 20),
                      absl::ToDoubleSeconds(elapsed), absl::ToDoubleSeconds(expected));
  if (!detail.empty()) absl::StrAppend(&line, "  ", detail);
  return line;
}

std::string FormatWorkStatus(absl::string_view title, absl::Duration elapsed, double fraction,
                             absl::string_view detail) {
  std::string line =
      absl::StrFormat("[bench] %s %s %5.1fs", title, console::ProgressBar(fraction, 20),
                      absl::ToDoubleSeconds(elapsed));
  if (!detail.empty()) absl::StrAppend(&line, "  ", detail);
  return line;
}

PhaseProgress::PhaseProgress(std::FILE* out, std::string title, absl::Duration expected,
                             std::function<std::string()> detail)
    : PhaseProgress(out, [title = std::move(title), expected,
                          detail = std::move(detail)](absl::Duration elapsed) {
        return FormatPhaseStatus(title, elapsed, expected, detail ? detail() : "");
      }) {}

PhaseProgress::PhaseProgress(std::FILE* out, std::string title, std::function<double()> fraction,
                             std::function<std::string()> detail)
    : PhaseProgress(out, [title = std::move(title), fraction = std::move(fraction),
                          detail = std::move(detail)](absl::Duration elapsed) {
        return FormatWorkStatus(title, elapsed, fraction(), detail ? detail() : "");
      }) {}

PhaseProgress::PhaseProgress(std::FILE* out,
                             std::function<std::string(absl::Duration elapsed)> line) {
  if (out != stderr) {
    own_console_ = std::make_unique<console::Console>(out, console::Console::IsTty(out));
  }
  console::Console& console = own_console_ ? *own_console_ : console::Console::Stderr();
  ticker_ = std::make_unique<console::ProgressTicker>(
      console, [line = std::move(line), start = absl::Now()] { return line(absl::Now() - start); });
}

}  // namespace ingest::bench
