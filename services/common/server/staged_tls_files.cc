#include "services/common/server/staged_tls_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth/secret_file.h"
#include "services/common/logging/log.h"
#include "services/common/server/tls_pem_check.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr char kCurrent[] = "current";

absl::Status CannotWrite(const std::string& path) {
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot write ", path, ": ", std::strerror(errno),
      "; the checked TLS files are kept under $TMPDIR (default /tmp): make it writable, with "
      "room (in Kubernetes, an emptyDir at /tmp)"));
}

// Writes `contents` to a new file `path` readable by this user only, with
// modification time `mtime_seconds`.
absl::Status WriteFile(const std::string& path, const std::string& contents,
                       int64_t mtime_seconds) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return CannotWrite(path);
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status status = CannotWrite(path);
      close(fd);
      return status;
    }
    written += static_cast<size_t>(n);
  }
  const timespec times[2] = {{.tv_sec = mtime_seconds, .tv_nsec = 0},
                             {.tv_sec = mtime_seconds, .tv_nsec = 0}};
  if (futimens(fd, times) != 0) {
    absl::Status status = CannotWrite(path);
    close(fd);
    return status;
  }
  if (close(fd) != 0) return CannotWrite(path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<StagedTlsFiles>> StagedTlsFiles::Start(const TlsFiles& files,
                                                                      OnReload on_reload) {
  std::error_code error;
  const std::filesystem::path base = std::filesystem::temp_directory_path(error);
  std::string directory = (base / "session-ingest-tls.XXXXXX").string();
  if (error || mkdtemp(directory.data()) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot make a private directory for the checked TLS files under ", base.string(), ": ",
        error ? error.message() : std::strerror(errno),
        "; make $TMPDIR (default /tmp) writable (in Kubernetes, an emptyDir at /tmp)"));
  }
  std::unique_ptr<StagedTlsFiles> staged(new StagedTlsFiles(files, std::move(directory)));
  StagedTlsFiles* raw = staged.get();
  const auto options = [&](std::string what, std::string flag) {
    return SecretFileWatcherOptions{.interval = files.reload_interval,
                                    .what = std::move(what),
                                    .flag = std::move(flag),
                                    .on_reload = on_reload};
  };
  // The client CA first: the first generation, staged with the
  // certificate, holds it.
  if (!files.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(staged->ca_watcher_,
                     SecretFileWatcher::Start(
                         files.client_ca_file, options("TLS client CA", "--tls_client_ca_file"),
                         [raw](const std::string& pem) { return raw->ApplyClientCa(pem); }));
  }
  ASSIGN_OR_RETURN(staged->cert_watcher_,
                   SecretFileWatcher::Start(
                       files.cert_file, options("TLS certificate", "--tls_cert_file"),
                       [raw](const std::string& pem) { return raw->ApplyCertificate(pem); }));
  ASSIGN_OR_RETURN(
      staged->key_watcher_,
      SecretFileWatcher::Start(files.key_file, options("TLS key", "--tls_key_file"),
                               [raw](const std::string& pem) { return raw->ApplyKey(pem); }));
  return staged;
}

StagedTlsFiles::StagedTlsFiles(TlsFiles files, std::string directory)
    : files_(std::move(files)),
      directory_(std::move(directory)),
      staged_{.cert_file = absl::StrCat(directory_, "/", kCurrent, "/tls.crt"),
              .key_file = absl::StrCat(directory_, "/", kCurrent, "/tls.key"),
              .client_ca_file = files_.client_ca_file.empty()
                                    ? ""
                                    : absl::StrCat(directory_, "/", kCurrent, "/ca.crt"),
              .reload_interval = files_.reload_interval} {}

StagedTlsFiles::~StagedTlsFiles() {
  key_watcher_.reset();
  cert_watcher_.reset();
  ca_watcher_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

absl::Status StagedTlsFiles::CheckNow() {
  absl::Status status;
  for (SecretFileWatcher* watcher : {ca_watcher_.get(), cert_watcher_.get(), key_watcher_.get()}) {
    if (watcher != nullptr) status.Update(watcher->CheckNow());
  }
  return status;
}

int64_t StagedTlsFiles::generations() const {
  absl::MutexLock lock(&mu_);
  return std::max<int64_t>(0, generation_ - 1);
}

absl::Status StagedTlsFiles::ApplyCertificate(const std::string& cert_pem) {
  ASSIGN_OR_RETURN(std::string key_pem,
                   ReadSecretFile(files_.key_file, "the TLS key", "--tls_key_file"));
  return Stage(cert_pem, key_pem);
}

absl::Status StagedTlsFiles::ApplyKey(const std::string& key_pem) {
  ASSIGN_OR_RETURN(std::string cert_pem,
                   ReadSecretFile(files_.cert_file, "the TLS certificate", "--tls_cert_file"));
  return Stage(cert_pem, key_pem);
}

absl::Status StagedTlsFiles::ApplyClientCa(const std::string& ca_pem) {
  RETURN_IF_ERROR(CheckPemCertificates(ca_pem, files_.client_ca_file, "--tls_client_ca_file"));
  absl::MutexLock lock(&mu_);
  if (ca_pem == ca_pem_) return absl::OkStatus();
  if (generation_ == 0) {  // Start: staged with the first pair
    ca_pem_ = ca_pem;
    return absl::OkStatus();
  }
  return Publish(cert_pem_, key_pem_, ca_pem);
}

absl::Status StagedTlsFiles::Stage(const std::string& cert_pem, const std::string& key_pem) {
  ASSIGN_OR_RETURN(std::string certificate, CheckKeyPair(cert_pem, key_pem, files_));
  absl::MutexLock lock(&mu_);
  // The certificate's watcher and the key's both see a rotation.
  if (cert_pem == cert_pem_ && key_pem == key_pem_) return absl::OkStatus();
  RETURN_IF_ERROR(Publish(cert_pem, key_pem, ca_pem_));
  log::Info(
      "tls.certificate_staged",
      {{"cert_file", files_.cert_file}, {"certificate", certificate}, {"generation", generation_}});
  return absl::OkStatus();
}

absl::Status StagedTlsFiles::Publish(std::string cert_pem, std::string key_pem,
                                     std::string ca_pem) {
  const int64_t generation = generation_ + 1;
  // Later than the generation in force, in whole seconds: what gRPC
  // compares to see that a file changed while it read the pair.
  const int64_t mtime_seconds = std::max(absl::ToUnixSeconds(absl::Now()), mtime_seconds_ + 1);
  const std::string name = absl::StrCat("generation-", generation);
  const std::string path = absl::StrCat(directory_, "/", name);
  if (mkdir(path.c_str(), 0700) != 0) return CannotWrite(path);
  absl::Status written = WriteFile(path + "/tls.crt", cert_pem, mtime_seconds);
  if (written.ok()) written = WriteFile(path + "/tls.key", key_pem, mtime_seconds);
  if (written.ok() && !files_.client_ca_file.empty()) {
    written = WriteFile(path + "/ca.crt", ca_pem, mtime_seconds);
  }
  const std::string next = absl::StrCat(directory_, "/", kCurrent, ".next");
  const std::string current = absl::StrCat(directory_, "/", kCurrent);
  if (written.ok()) {
    unlink(next.c_str());  // left by an earlier failure, if any
    if (symlink(name.c_str(), next.c_str()) != 0 || rename(next.c_str(), current.c_str()) != 0) {
      written = CannotWrite(current);
    }
  }
  std::error_code ignored;
  if (!written.ok()) {
    std::filesystem::remove_all(path, ignored);
    return written;
  }
  // The generation before the one just replaced: gRPC's reader may still
  // be in the one just replaced, never in this.
  std::filesystem::remove_all(absl::StrCat(directory_, "/generation-", generation - 2), ignored);
  generation_ = generation;
  mtime_seconds_ = mtime_seconds;
  cert_pem_ = std::move(cert_pem);
  key_pem_ = std::move(key_pem);
  ca_pem_ = std::move(ca_pem);
  return absl::OkStatus();
}

}  // namespace ingest
