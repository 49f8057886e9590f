#pragma once

// StagedTlsFiles: a verified copy of a server's TLS files, for a TLS library
// that re-reads files but trusts whatever it reads. gRPC 1.51's
// FileWatcherCertificateProvider does not check that a key matches its
// certificate: a reload between the writes of a new key and of its
// certificate (two files copied one after the other, a script or
// cert-manager writing them in place) makes every new handshake fail until
// the next reload ("Invalid private key", "Update handshaker factory
// failed"). So gRPC is pointed at the copy, which only ever holds a pair
// that was checked.
//
// The user's certificate, key and client CA are each watched
// (SecretFileWatcher: stat identity every reload_interval, through the
// symlinks of a Secret volume). When one changed, the files are read and
// checked (tls_pem_check.h: the certificates parse, the key is the leaf
// certificate's) and, if they pass, written to a new generation directory
// that a symlink is then switched to in one rename:
//
//   <$TMPDIR>/session-ingest-tls.XXXXXX/       mode 0700, removed at destruction
//     current -> generation-N                  staged(): current/tls.crt, tls.key, ca.crt
//     generation-N/{tls.crt,tls.key,ca.crt}    mode 0600
//
// The files of a generation carry a modification time (whole seconds, what
// gRPC compares) later than the previous generation's, so gRPC's reader,
// which retries when a file's time changed while it read the pair, never
// pairs one generation's key with another's certificate.
//
// A refused change (a key without its certificate, a file cut short, not
// PEM, unreadable) keeps the generation in force: it is logged once per
// change (secrets.reload_refused, naming the files, never their contents,
// saying what to do), told to `on_reload`, and the files are read again at
// every check until they pass.
//
// Thread-safety: the watchers' threads publish; every method may be called
// from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/secret_file_watcher.h"
#include "services/common/server/tls_files.h"

namespace ingest {

class StagedTlsFiles {
 public:
  // Told of every change after Start: OK when the files were accepted, the
  // refusal otherwise (e.g. to count it in a metric). On a watcher's thread.
  using OnReload = std::function<void(const absl::Status&)>;

  // Reads and checks `files`, stages them and starts watching them.
  // FAILED_PRECONDITION naming the file and its flag when one cannot be
  // read, or when the private directory cannot be made or written;
  // INVALID_ARGUMENT naming the files when they do not pass the checks.
  static absl::StatusOr<std::unique_ptr<StagedTlsFiles>> Start(const TlsFiles& files,
                                                               OnReload on_reload = nullptr);

  // Stops watching and removes the private directory.
  ~StagedTlsFiles();
  StagedTlsFiles(const StagedTlsFiles&) = delete;
  StagedTlsFiles& operator=(const StagedTlsFiles&) = delete;

  // The staged files (same reload_interval as the user's); only ever
  // replaced by a checked set.
  const TlsFiles& staged() const { return staged_; }

  // Checks the user's files now, as the watchers do every reload_interval
  // (tests; a SIGHUP handler could too). OK when nothing changed or the
  // change was staged; the first refusal otherwise.
  absl::Status CheckNow();

  // Sets of files staged since Start (generations after the first).
  int64_t generations() const;

 private:
  StagedTlsFiles(TlsFiles files, std::string directory);

  // A changed file's contents, with the others read now: checked, then
  // staged (unless nothing differs from the generation in force).
  absl::Status ApplyCertificate(const std::string& cert_pem);
  absl::Status ApplyKey(const std::string& key_pem);
  absl::Status ApplyClientCa(const std::string& ca_pem);
  absl::Status Stage(const std::string& cert_pem, const std::string& key_pem);
  // Writes a new generation of the files and switches `current` to it.
  absl::Status Publish(std::string cert_pem, std::string key_pem, std::string ca_pem)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TlsFiles files_;
  const std::string directory_;
  const TlsFiles staged_;
  mutable absl::Mutex mu_;
  // What the generation in force holds; the pair empty before the first.
  std::string cert_pem_ ABSL_GUARDED_BY(mu_);
  std::string key_pem_ ABSL_GUARDED_BY(mu_);
  std::string ca_pem_ ABSL_GUARDED_BY(mu_);
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t mtime_seconds_ ABSL_GUARDED_BY(mu_) = 0;  // of the generation in force
  // Stopped first (the destructor resets them before removing the files).
  std::unique_ptr<SecretFileWatcher> ca_watcher_;
  std::unique_ptr<SecretFileWatcher> cert_watcher_;
  std::unique_ptr<SecretFileWatcher> key_watcher_;
};

}  // namespace ingest
