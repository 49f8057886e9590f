#include "client/cpp/clock.h"

#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace ingest::client {
namespace {

class SystemClock final : public Clock {
 public:
  SystemClock() : thread_([this] { Run(); }) {}

  ~SystemClock() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      changed_ = true;
    }
    thread_.join();
  }

  absl::Time Now() override { return absl::Now(); }

  void SleepFor(absl::Duration delay) override { absl::SleepFor(delay); }

  void RunAfter(absl::Duration delay, absl::AnyInvocable<void() &&> fn) override {
    absl::MutexLock lock(&mu_);
    due_.emplace(absl::Now() + std::max(delay, absl::ZeroDuration()), std::move(fn));
    changed_ = true;
  }

 private:
  void Run() {
    while (true) {
      absl::AnyInvocable<void() &&> fn;
      {
        absl::MutexLock lock(&mu_);
        while (true) {
          // Stopping: what is left runs at once, so its calls can finish.
          if (!due_.empty() && (stopping_ || due_.begin()->first <= absl::Now())) break;
          if (stopping_) return;
          const absl::Time next = due_.empty() ? absl::InfiniteFuture() : due_.begin()->first;
          changed_ = false;
          mu_.AwaitWithDeadline(absl::Condition(&changed_), next);
        }
        fn = std::move(due_.begin()->second);
        due_.erase(due_.begin());
      }
      std::move(fn)();
    }
  }

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::multimap<absl::Time, absl::AnyInvocable<void() &&>> due_ ABSL_GUARDED_BY(mu_);
  bool changed_ ABSL_GUARDED_BY(mu_) = false;  // wakes the timer thread
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace

void Clock::SleepFor(absl::Duration delay) {
  absl::Notification slept;
  RunAfter(delay, [&slept] { slept.Notify(); });
  slept.WaitForNotification();
}

std::unique_ptr<Clock> CreateSystemClock() { return std::make_unique<SystemClock>(); }

Clock& SharedSystemClock() {
  static Clock* const clock = new SystemClock();
  return *clock;
}

}  // namespace ingest::client
