#pragma once

#include <atomic>
#include <cstdint>

#include "tools/loadgen/console.h"
#include "tools/loadgen/session_driver.h"

namespace ingest::loadgen {

// The SessionObserver of a real run: logs every retry and every give-up as a
// line on the console and counts them for the progress line. Thread-safe.
class ReportingObserver final : public SessionObserver {
 public:
  // `console` must outlive the observer.
  explicit ReportingObserver(Console& console) : console_(console) {}

  // "loadgen: retry session 3 payload 7 (sid=..): attempt 1/8 failed:
  //  UNAVAILABLE: ...; next in 83ms"
  void OnRetry(const CallFailure& failure) override;

  // "loadgen: gave up on session 3 payload 7 (sid=..) after 8 attempts: ..."
  void OnGiveUp(const CallFailure& failure, int payloads_not_acked) override;

  int64_t retries() const { return retries_.load(); }
  // Calls given up (a failed session counts once).
  int64_t errors() const { return errors_.load(); }

 private:
  Console& console_;
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> errors_{0};
};

}  // namespace ingest::loadgen
