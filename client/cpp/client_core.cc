#include "client/cpp/client_core.h"

#include <utility>

namespace ingest::client {

ClientCore::ClientCore(ClientOptions options)
    : options_(std::move(options)),
      channels_(ChannelPool::Create(options_)),
      policy_(options_.retry),
      owned_clock_(options_.clock == nullptr ? CreateSystemClock() : nullptr),
      clock_(options_.clock != nullptr ? options_.clock : owned_clock_.get()),
      budget_(options_.async_budget_bytes, options_.max_async_calls) {}

ClientCore::~ClientCore() { Shutdown(); }

RetryDecision ClientCore::Decide(const AttemptOutcome& outcome) {
  absl::MutexLock lock(&random_mu_);
  return policy_.Decide(outcome, random_);
}

int ClientCore::FailOver(int from) {
  const int next = (from + 1) % channels_->target_count();
  // Only the first call to see `from` fail moves everyone; later ones agree.
  int expected = from;
  preferred_target_.compare_exchange_strong(expected, next, std::memory_order_relaxed);
  return next;
}

void ClientCore::CallStarted() {
  absl::MutexLock lock(&mu_);
  ++calls_;
}

void ClientCore::CallFinished() {
  absl::MutexLock lock(&mu_);
  --calls_;
}

bool ClientCore::BeginAttempt(std::shared_ptr<grpc::ClientContext> context) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return false;
  attempts_.emplace(context.get(), std::move(context));
  return true;
}

void ClientCore::EndAttempt(const grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  attempts_.erase(context);
}

void ClientCore::ScheduleRetry(absl::Duration wait, absl::AnyInvocable<void() &&> fn) {
  uint64_t id = 0;
  bool run_now = false;
  {
    absl::MutexLock lock(&mu_);
    run_now = shutting_down_;
    if (!run_now) {
      id = next_pending_id_++;
      pending_.emplace(id, std::move(fn));
    }
  }
  if (run_now) {
    std::move(fn)();
    return;
  }
  clock_->RunAfter(wait, [this, id] { RunPending(id); });
}

void ClientCore::RunPending(uint64_t id) {
  absl::AnyInvocable<void() &&> fn;
  {
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;  // Shutdown() ran it already
    fn = std::move(it->second);
    pending_.erase(it);
  }
  std::move(fn)();
}

void ClientCore::Shutdown() {
  std::vector<std::shared_ptr<grpc::ClientContext>> running;
  absl::flat_hash_map<uint64_t, absl::AnyInvocable<void() &&>> waiting;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (auto& [key, context] : attempts_) running.push_back(context);
    waiting.swap(pending_);
  }
  // Outside the lock: a cancelled call's callback may run on this thread and
  // come back to EndAttempt().
  for (const auto& context : running) context->TryCancel();
  running.clear();
  for (auto& [id, fn] : waiting) std::move(fn)();
  absl::MutexLock lock(&mu_);
  const auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return calls_ == 0; };
  mu_.Await(absl::Condition(&done));
}

bool ClientCore::shutting_down() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

}  // namespace ingest::client
