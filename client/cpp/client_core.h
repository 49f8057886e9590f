#pragma once

// ClientCore: what every call of a Client shares — options, channels, the
// clock, the retry policy and its random source, the async budget, which
// target is preferred after a failover, and the bookkeeping that lets the
// Client shut down with no call left behind.
//
// Internal to the SDK. Owned by the Client and its Sessions (shared_ptr), so
// a Session used after its Client was destroyed fails cleanly (CANCELLED)
// instead of touching freed memory. Thread-safe.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "client/cpp/async_budget.h"
#include "client/cpp/channel_pool.h"
#include "client/cpp/clock.h"
#include "client/cpp/options.h"
#include "client/cpp/retry_policy.h"
#include "grpcpp/client_context.h"

namespace ingest::client {

class ClientCore {
 public:
  // `options` must be valid (ValidateClientOptions).
  explicit ClientCore(ClientOptions options);
  // Shuts down (if not done yet), then stops the clock.
  ~ClientCore();

  const ClientOptions& options() const { return options_; }
  ChannelPool& channels() { return *channels_; }
  Clock& clock() { return *clock_; }
  AsyncBudget& budget() { return budget_; }
  const AsyncBudget& budget() const { return budget_; }

  // The policy's decision, with the shared random source.
  RetryDecision Decide(const AttemptOutcome& outcome);

  // The target a new call starts on, and the failover after UNAVAILABLE on
  // `from`: returns the target of the next attempt and makes it the one new
  // calls start on.
  int preferred_target() const { return preferred_target_.load(std::memory_order_relaxed); }
  int FailOver(int from);

  void Observe(const AttemptInfo& info) const {
    if (options_.observer) options_.observer(info);
  }

  // A call exists from CallStarted() to CallFinished(); Shutdown() waits
  // for every call to finish.
  void CallStarted();
  void CallFinished();

  // An attempt's context, cancelled by Shutdown(). False once shutting down:
  // the attempt must not start.
  bool BeginAttempt(std::shared_ptr<grpc::ClientContext> context);
  void EndAttempt(const grpc::ClientContext* context);

  // Runs `fn` after `wait` on the clock, or at once (on this thread) when
  // shutting down; Shutdown() runs the ones still waiting at once.
  void ScheduleRetry(absl::Duration wait, absl::AnyInvocable<void() &&> fn);

  // Refuses new attempts, cancels the running ones, cuts the waits short
  // and waits until every call has finished (its callback has run).
  void Shutdown();
  bool shutting_down() const;

 private:
  void RunPending(uint64_t id);

  const ClientOptions options_;
  const std::unique_ptr<ChannelPool> channels_;
  const RetryPolicy policy_;
  const std::unique_ptr<Clock> owned_clock_;  // null when options_.clock is injected
  Clock* const clock_;
  AsyncBudget budget_;
  std::atomic<int> preferred_target_{0};

  absl::Mutex random_mu_;
  absl::BitGen random_ ABSL_GUARDED_BY(random_mu_);

  mutable absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<const grpc::ClientContext*, std::shared_ptr<grpc::ClientContext>>
      attempts_ ABSL_GUARDED_BY(mu_);
  uint64_t next_pending_id_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<uint64_t, absl::AnyInvocable<void() &&>> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ingest::client
