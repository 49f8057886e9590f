#pragma once

// A per-replica budget of bytes handed to Kafka and not yet acknowledged.
// When it is spent, new calls are refused (RESOURCE_EXHAUSTED) instead of
// queueing without bound. Thread-safe (lock-free).

#include <atomic>
#include <cstdint>

namespace ingest {

class InFlightBudget {
 public:
  explicit InFlightBudget(int64_t max_bytes) : max_bytes_(max_bytes) {}

  // Takes `bytes` if they fit; false (nothing taken) if not.
  bool TryAcquire(int64_t bytes);
  void Release(int64_t bytes);

  int64_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  int64_t max_bytes() const { return max_bytes_.load(std::memory_order_relaxed); }
  // A new maximum (a project's limit changed in the keys file); bytes in use
  // stay until released.
  void set_max_bytes(int64_t max_bytes) { max_bytes_.store(max_bytes, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> max_bytes_;
  std::atomic<int64_t> in_use_{0};
};

// Holds bytes of a budget (and of a second one: the project's, when it has
// its own) and gives them back when destroyed. Move-only.
class BudgetLease {
 public:
  BudgetLease() = default;
  BudgetLease(InFlightBudget* budget, int64_t bytes, InFlightBudget* also = nullptr)
      : budget_(budget), also_(also), bytes_(bytes) {}
  BudgetLease(BudgetLease&& other) noexcept
      : budget_(other.budget_), also_(other.also_), bytes_(other.bytes_) {
    other.budget_ = nullptr;
    other.also_ = nullptr;
  }
  BudgetLease& operator=(BudgetLease&& other) noexcept;
  BudgetLease(const BudgetLease&) = delete;
  BudgetLease& operator=(const BudgetLease&) = delete;
  ~BudgetLease() { Reset(); }

  void Reset();

 private:
  InFlightBudget* budget_ = nullptr;
  InFlightBudget* also_ = nullptr;
  int64_t bytes_ = 0;
};

}  // namespace ingest
