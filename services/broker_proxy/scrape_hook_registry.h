#pragma once

// A prometheus::Registry that calls a hook before each collection (each
// scrape of /metrics), for a value that is read lazily from elsewhere
// (RetentionAdmin::RefreshLastSuccess). The hook runs under the registry's
// own lock, so it must return quickly (start work, never wait for it); once
// SetHook(nullptr) returns, no call of the old hook is under way.
// Thread-safe.

#include <functional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace ingest {

class ScrapeHookRegistry final : public prometheus::Registry {
 public:
  void SetHook(std::function<void()> hook) {
    absl::MutexLock lock(&mutex_);
    hook_ = std::move(hook);
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    {
      absl::MutexLock lock(&mutex_);
      if (hook_) hook_();
    }
    return prometheus::Registry::Collect();
  }

 private:
  mutable absl::Mutex mutex_;
  std::function<void()> hook_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ingest
