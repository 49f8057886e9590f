#include "services/common/auth/secret_file_watcher.h"

#include <sys/stat.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/auth/secret_file.h"
#include "services/common/crypto/sha256.h"
#include "services/common/logging/log.h"

namespace ingest {

absl::StatusOr<std::unique_ptr<SecretFileWatcher>> SecretFileWatcher::Start(
    std::string path, SecretFileWatcherOptions options, Apply apply) {
  std::unique_ptr<SecretFileWatcher> watcher(
      new SecretFileWatcher(std::move(path), std::move(options), std::move(apply)));
  {
    absl::MutexLock lock(&watcher->mu_);
    if (absl::Status loaded = watcher->Check(/*force=*/true); !loaded.ok()) return loaded;
  }
  if (watcher->options_.interval > absl::ZeroDuration()) {
    SecretFileWatcher* raw = watcher.get();
    watcher->thread_ = std::make_unique<PeriodicThread>(watcher->options_.interval,
                                                        [raw] { (void)raw->CheckNow(); });
  }
  return watcher;
}

SecretFileWatcher::~SecretFileWatcher() {
  if (thread_ != nullptr) thread_->Stop();
}

absl::Status SecretFileWatcher::CheckNow() {
  absl::MutexLock lock(&mu_);
  return Check(/*force=*/false);
}

std::optional<SecretFileWatcher::Identity> SecretFileWatcher::IdentityOf(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return std::nullopt;
  return Identity{
      .device = static_cast<uint64_t>(info.st_dev),
      .inode = static_cast<uint64_t>(info.st_ino),
      .size = static_cast<int64_t>(info.st_size),
      .mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
}

absl::Status SecretFileWatcher::Check(bool force) {
  const std::optional<Identity> identity = IdentityOf(path_);
  if (!force && identity.has_value() && identity == identity_) return absl::OkStatus();
  absl::Status status;
  absl::StatusOr<std::string> contents = ReadSecretFile(path_, options_.what, options_.flag);
  if (!contents.ok()) {
    status = contents.status();
  } else if (std::string digest = Sha256(*contents); !force && digest == digest_) {
    identity_ = identity;  // touched, or replaced by the same bytes
    return absl::OkStatus();
  } else if (status = apply_(*contents); status.ok()) {
    identity_ = identity;
    digest_ = std::move(digest);
    last_error_.clear();
    if (!force) {
      reloads_.fetch_add(1);
      log::Info("secrets.reloaded", {{"what", options_.what}, {"file", path_}});
      if (options_.on_reload) options_.on_reload(absl::OkStatus());
    }
    return absl::OkStatus();
  } else {
    status = absl::Status(status.code(),
                          absl::StrCat(options_.what, " in ", path_, ": ", status.message()));
  }
  if (force) return status;  // Start: the caller reports it
  failures_.fetch_add(1);
  if (options_.on_reload) options_.on_reload(status);
  if (std::string error = status.ToString(); error != last_error_) {
    log::Error("secrets.reload_refused", {{"what", options_.what},
                                          {"file", path_},
                                          {"error", error},
                                          {"keeping", "the previous contents"}});
    last_error_ = std::move(error);
  }
  return status;
}

}  // namespace ingest
