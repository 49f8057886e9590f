#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "tools/chaos/load_driver.h"
#include "tools/loadgen/console.h"

namespace ingest::chaos {

// The LoadObserver of a real run. Retries happen by the hundred per second
// during a fault, so they are only counted here, and TakeLine() (called once
// a second) sums them up in one line; a give-up is rare and logged at once.
// Thread-safe.
class RetryLog final : public LoadObserver {
 public:
  // `name` prefixes the lines. `console` must outlive the log.
  RetryLog(std::string name, loadgen::Console& console);

  void OnRetry(const RetryEvent& event) override;
  void OnCallDone(int attempts) override;
  // "chaos NAME: gave up on session S payload P after N attempts: STATUS"
  void OnGiveUp(const GiveUp& give_up) override;

  // If there were retries since the last call: "chaos NAME: retrying: C
  // calls, R retries in the last interval, last error CODE: MESSAGE (on
  // gateway G)"; nullopt otherwise.
  std::optional<std::string> TakeLine();

  int64_t retries() const;
  int64_t given_up() const;

 private:
  const std::string name_;
  loadgen::Console& console_;
  mutable absl::Mutex mu_;
  int64_t retries_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t retries_since_take_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t calls_retrying_ ABSL_GUARDED_BY(mu_) = 0;  // failed once, not done
  int64_t given_up_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  std::string last_gateway_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ingest::chaos
