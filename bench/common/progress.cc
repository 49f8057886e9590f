#include "bench/common/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace ingest::bench {
namespace {

constexpr absl::Duration kTtyInterval = absl::Milliseconds(250);
constexpr absl::Duration kLogInterval = absl::Seconds(5);

}  // namespace

std::string ProgressBar(double fraction, int width) {
  if (!(fraction > 0)) fraction = 0;  // also NaN
  fraction = std::min(fraction, 1.0);
  const int filled = static_cast<int>(std::lround(fraction * width));
  return absl::StrCat("[", std::string(static_cast<size_t>(filled), '#'),
                      std::string(static_cast<size_t>(width - filled), '-'), "]");
}

std::string FormatPhaseStatus(absl::string_view title, absl::Duration elapsed,
                              absl::Duration expected, absl::string_view detail) {
  const double fraction =
      expected > absl::ZeroDuration() ? absl::FDivDuration(elapsed, expected) : 1.0;
  std::string line = absl::StrFormat("[bench] %s %s %5.1f/%.1fs", title, ProgressBar(fraction, 20),
                                     absl::ToDoubleSeconds(elapsed),
                                     absl::ToDoubleSeconds(expected));
  if (!detail.empty()) absl::StrAppend(&line, "  ", detail);
  return line;
}

std::string FormatWorkStatus(absl::string_view title, absl::Duration elapsed, double fraction,
                             absl::string_view detail) {
  std::string line = absl::StrFormat("[bench] %s %s %5.1fs", title, ProgressBar(fraction, 20),
                                     absl::ToDoubleSeconds(elapsed));
  if (!detail.empty()) absl::StrAppend(&line, "  ", detail);
  return line;
}

PhaseProgress::PhaseProgress(std::FILE* out, std::string title, absl::Duration expected,
                             std::function<std::string()> detail)
    : PhaseProgress(out, std::move(title), expected, nullptr, std::move(detail)) {}

PhaseProgress::PhaseProgress(std::FILE* out, std::string title, std::function<double()> fraction,
                             std::function<std::string()> detail)
    : PhaseProgress(out, std::move(title), absl::ZeroDuration(), std::move(fraction),
                    std::move(detail)) {}

PhaseProgress::PhaseProgress(std::FILE* out, std::string title, absl::Duration expected,
                             std::function<double()> fraction,
                             std::function<std::string()> detail)
    : out_(out),
      is_tty_(isatty(fileno(out)) == 1),
      title_(std::move(title)),
      expected_(expected),
      fraction_(std::move(fraction)),
      detail_(std::move(detail)),
      start_(absl::Now()) {
  thread_ = std::thread([this] {
    const absl::Duration interval = is_tty_ ? kTtyInterval : kLogInterval;
    while (!stop_.WaitForNotificationWithTimeout(interval)) Show(false);
  });
}

void PhaseProgress::Finish() {
  if (!thread_.joinable()) return;
  stop_.Notify();
  thread_.join();
  Show(true);
}

void PhaseProgress::Show(bool final) {
  const absl::Duration elapsed = absl::Now() - start_;
  const std::string detail = detail_ ? detail_() : "";
  const std::string line = fraction_ ? FormatWorkStatus(title_, elapsed, fraction_(), detail)
                                     : FormatPhaseStatus(title_, elapsed, expected_, detail);
  if (is_tty_) {
    std::fprintf(out_, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

}  // namespace ingest::bench
