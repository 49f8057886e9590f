#pragma once

// An in-memory RetentionDatabase for broker-proxy's tests: answers the
// canned erasure result and enforcement report (erasure ids and run ids
// counting up from 1 for runs that are not dry), records what it was asked,
// can be told to fail, and can hold an enforcement until released (to test
// what runs beside one). Thread-safe.

#include <optional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/broker_proxy/retention_database.h"

namespace ingest {

class FakeRetentionDatabase final : public RetentionDatabase {
 public:
  void SetErasure(ErasureResult result) {
    absl::MutexLock lock(&mutex_);
    erasure_ = std::move(result);
  }
  void SetReport(EnforcementReport report) {
    absl::MutexLock lock(&mutex_);
    report_ = std::move(report);
  }
  void SetLastEnforcement(absl::StatusOr<std::optional<absl::Time>> last) {
    absl::MutexLock lock(&mutex_);
    last_ = std::move(last);
  }
  // Every later Erase and Enforce answers `status` (OK: answers again).
  void Fail(absl::Status status) {
    absl::MutexLock lock(&mutex_);
    failure_ = std::move(status);
  }
  // Enforce waits, once it began, until Release().
  void Hold() {
    absl::MutexLock lock(&mutex_);
    held_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mutex_);
    held_ = false;
  }
  // Waits up to `timeout` until an Enforce is waiting in Hold(); true if one is.
  bool AwaitHeldEnforcement(absl::Duration timeout) {
    absl::MutexLock lock(&mutex_);
    return mutex_.AwaitWithTimeout(absl::Condition(&waiting_), timeout);
  }

  std::vector<ErasureRequest> erasures() {
    absl::MutexLock lock(&mutex_);
    return erasures_;
  }
  std::vector<EnforcementOptions> enforcements() {
    absl::MutexLock lock(&mutex_);
    return enforcements_;
  }
  int last_enforcement_reads() {
    absl::MutexLock lock(&mutex_);
    return last_reads_;
  }

  absl::StatusOr<ErasureResult> Erase(const ErasureRequest& request) override {
    absl::MutexLock lock(&mutex_);
    erasures_.push_back(request);
    if (!failure_.ok()) return failure_;
    ErasureResult result = erasure_;
    result.erasure_id = request.dry_run ? 0 : ++erasure_ids_;
    return result;
  }

  absl::StatusOr<EnforcementReport> Enforce(const EnforcementOptions& options) override {
    absl::MutexLock lock(&mutex_);
    enforcements_.push_back(options);
    waiting_ = true;
    mutex_.Await(absl::Condition(
        +[](bool* held) { return !*held; }, &held_));
    waiting_ = false;
    if (!failure_.ok()) return failure_;
    EnforcementReport report = report_;
    report.run_id = options.dry_run ? 0 : ++run_ids_;
    return report;
  }

  absl::StatusOr<std::optional<absl::Time>> LastEnforcement() override {
    absl::MutexLock lock(&mutex_);
    ++last_reads_;
    return last_;
  }

 private:
  absl::Mutex mutex_;
  ErasureResult erasure_ ABSL_GUARDED_BY(mutex_);
  EnforcementReport report_ ABSL_GUARDED_BY(mutex_);
  absl::StatusOr<std::optional<absl::Time>> last_ ABSL_GUARDED_BY(mutex_) =
      std::optional<absl::Time>();
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);
  bool held_ ABSL_GUARDED_BY(mutex_) = false;
  bool waiting_ ABSL_GUARDED_BY(mutex_) = false;
  int64_t erasure_ids_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t run_ids_ ABSL_GUARDED_BY(mutex_) = 0;
  int last_reads_ ABSL_GUARDED_BY(mutex_) = 0;
  std::vector<ErasureRequest> erasures_ ABSL_GUARDED_BY(mutex_);
  std::vector<EnforcementOptions> enforcements_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ingest
