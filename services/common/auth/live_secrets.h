#pragma once

// The secrets in force (API keys, operator tokens): an immutable store
// replaced whole when its file changes, so a new secret works and a revoked
// one is refused without a restart. A call checks against the store in
// force when it asks. Thread-safe.
//
// `Store` is immutable and has
//   static absl::StatusOr<Store> Parse(absl::string_view text, absl::string_view origin);
//   ... Authenticate(absl::string_view authorization) const;

#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/secret_file_watcher.h"

namespace ingest {

template <typename Store>
class LiveSecrets {
 public:
  LiveSecrets() = default;
  LiveSecrets(const LiveSecrets&) = delete;
  LiveSecrets& operator=(const LiveSecrets&) = delete;

  void Replace(Store store) {
    auto replacement = std::make_shared<const Store>(std::move(store));
    absl::MutexLock lock(&mu_);
    store_ = std::move(replacement);
  }

  // The store in force; null before the first Replace.
  std::shared_ptr<const Store> current() const {
    absl::MutexLock lock(&mu_);
    return store_;
  }

  // Store::Authenticate against the store in force.
  auto Authenticate(absl::string_view authorization) const {
    return current()->Authenticate(authorization);
  }

  // Loads `path` into this now and keeps it current (SecretFileWatcher with
  // `options`): errors as SecretFileWatcher::Start's.
  absl::StatusOr<std::unique_ptr<SecretFileWatcher>> Watch(const std::string& path,
                                                           SecretFileWatcherOptions options) {
    return SecretFileWatcher::Start(path, std::move(options),
                                    [this, path](const std::string& contents) -> absl::Status {
                                      absl::StatusOr<Store> parsed = Store::Parse(contents, path);
                                      if (!parsed.ok()) return parsed.status();
                                      Replace(*std::move(parsed));
                                      return absl::OkStatus();
                                    });
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Store> store_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ingest
