#include "client/cpp/async_budget.h"

#include <algorithm>

namespace ingest::client {

bool AsyncBudget::Fits(int64_t bytes) const {
  if (calls_ == 0) return true;  // alone, even when larger than the budget
  return calls_ < max_calls_ && bytes_ + bytes <= max_bytes_;
}

void AsyncBudget::Take(int64_t bytes) {
  bytes_ += bytes;
  ++calls_;
  peak_bytes_ = std::max(peak_bytes_, bytes_);
  peak_calls_ = std::max(peak_calls_, calls_);
}

void AsyncBudget::Acquire(int64_t bytes) {
  absl::MutexLock lock(&mu_);
  const auto fits = [this, bytes]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return Fits(bytes); };
  mu_.Await(absl::Condition(&fits));
  Take(bytes);
}

bool AsyncBudget::TryAcquire(int64_t bytes) {
  absl::MutexLock lock(&mu_);
  if (!Fits(bytes)) return false;
  Take(bytes);
  return true;
}

void AsyncBudget::Release(int64_t bytes) {
  absl::MutexLock lock(&mu_);
  bytes_ -= bytes;
  --calls_;
}

void AsyncBudget::WaitUntilEmpty() {
  absl::MutexLock lock(&mu_);
  const auto empty = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return calls_ == 0; };
  mu_.Await(absl::Condition(&empty));
}

int64_t AsyncBudget::bytes_in_flight() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

int AsyncBudget::calls_in_flight() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

int64_t AsyncBudget::peak_bytes() const {
  absl::MutexLock lock(&mu_);
  return peak_bytes_;
}

int AsyncBudget::peak_calls() const {
  absl::MutexLock lock(&mu_);
  return peak_calls_;
}

}  // namespace ingest::client
