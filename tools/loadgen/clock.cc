#include "tools/loadgen/clock.h"

#include "absl/time/clock.h"

namespace ingest::loadgen {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
  void SleepFor(absl::Duration duration) override {
    if (duration > absl::ZeroDuration()) absl::SleepFor(duration);
  }
};

}  // namespace

Clock& Clock::Real() {
  static auto* const clock = new RealClock();
  return *clock;
}

}  // namespace ingest::loadgen
