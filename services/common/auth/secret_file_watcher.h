#pragma once

// Keeps what a secret file says current without a restart: a mounted
// Kubernetes Secret (or a cert-manager rotation) changes under a running
// process, and a revoked API key must stop working within a bounded time.
//
// The file is read once at Start; then, every `interval` on a thread of its
// own, its identity is checked (stat(2) through symlinks: device, inode,
// size, modification time, so the atomic ..data symlink swap of a Secret
// volume counts) and, when that changed, it is read again and handed to
// `apply` if its bytes differ. `apply` parses and installs the new value; if
// the file cannot be read or `apply` refuses it, the value in force stays,
// the failure is logged once (the event names the file and what is wrong,
// never the file's contents) and counted, and the file is tried again at
// every check until one is accepted. A revocation therefore takes effect
// within `interval` plus the time to read the file.
//
// Thread-safety: `apply` runs on the watcher's thread (and on the caller's
// in Start); it must install the value in a thread-safe way. The counters
// may be read from any thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/threading/periodic_thread.h"

namespace ingest {

struct SecretFileWatcherOptions {
  // How often the file's identity is checked: the bound on how long a
  // revoked secret keeps working. Zero: read once, never watched.
  absl::Duration interval = absl::Seconds(10);
  // What the file holds, for errors and log lines ("API keys").
  std::string what = "secrets";
  // The flag that names the file, for errors ("--api_keys_file").
  std::string flag;
  // Told of every change after Start: OK when applied, the error when
  // refused (e.g. to count it in a metric). On the checking thread.
  std::function<void(const absl::Status&)> on_reload;
};

class SecretFileWatcher {
 public:
  using Apply = std::function<absl::Status(const std::string& contents)>;

  // Reads `path` and applies it: FAILED_PRECONDITION naming the file and the
  // flag if it cannot be read, `apply`'s error (with the file's name in
  // front) if it refuses it. Then watches it as above.
  static absl::StatusOr<std::unique_ptr<SecretFileWatcher>> Start(std::string path,
                                                                  SecretFileWatcherOptions options,
                                                                  Apply apply);

  ~SecretFileWatcher();
  SecretFileWatcher(const SecretFileWatcher&) = delete;
  SecretFileWatcher& operator=(const SecretFileWatcher&) = delete;

  // Checks the file now, as the thread does every interval (tests; a
  // SIGHUP handler could too). OK if nothing changed or the change was
  // applied; the error otherwise (also logged and counted).
  absl::Status CheckNow();

  // Changes applied since Start, and changes refused (unreadable, or
  // `apply` said no).
  int64_t reloads() const { return reloads_.load(); }
  int64_t failures() const { return failures_.load(); }

 private:
  struct Identity {
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = -1;
    int64_t mtime_ns = 0;
    friend bool operator==(const Identity&, const Identity&) = default;
  };

  SecretFileWatcher(std::string path, SecretFileWatcherOptions options, Apply apply)
      : path_(std::move(path)), options_(std::move(options)), apply_(std::move(apply)) {}

  static std::optional<Identity> IdentityOf(const std::string& path);
  // Reads and applies the file if its identity changed since the last
  // success (`force`: whatever it is).
  absl::Status Check(bool force) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const SecretFileWatcherOptions options_;
  const Apply apply_;
  // One check at a time (the thread's and CheckNow's).
  absl::Mutex mu_;
  std::optional<Identity> identity_ ABSL_GUARDED_BY(mu_);
  std::string digest_ ABSL_GUARDED_BY(mu_);      // SHA-256 of the bytes last applied
  std::string last_error_ ABSL_GUARDED_BY(mu_);  // the failure last logged, logged once
  std::atomic<int64_t> reloads_{0};
  std::atomic<int64_t> failures_{0};
  std::unique_ptr<PeriodicThread> thread_;  // last: stopped first
};

}  // namespace ingest
