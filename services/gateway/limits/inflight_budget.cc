#include "services/gateway/limits/inflight_budget.h"

namespace ingest {

bool InFlightBudget::TryAcquire(int64_t bytes) {
  int64_t current = in_use_.load(std::memory_order_relaxed);
  do {
    // A single record larger than the whole budget is still let through when
    // nothing else is in flight, so a big payload cannot starve forever.
    if (current + bytes > max_bytes() && current > 0) return false;
  } while (!in_use_.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
  return true;
}

void InFlightBudget::Release(int64_t bytes) {
  in_use_.fetch_sub(bytes, std::memory_order_relaxed);
}

BudgetLease& BudgetLease::operator=(BudgetLease&& other) noexcept {
  if (this != &other) {
    Reset();
    budget_ = other.budget_;
    also_ = other.also_;
    bytes_ = other.bytes_;
    other.budget_ = nullptr;
    other.also_ = nullptr;
  }
  return *this;
}

void BudgetLease::Reset() {
  if (budget_ != nullptr) budget_->Release(bytes_);
  if (also_ != nullptr) also_->Release(bytes_);
  budget_ = nullptr;
  also_ = nullptr;
}

}  // namespace ingest
