#pragma once

// ServingCertificate: the certificate chain and private key an OpenSSL
// server presents, kept current from their files without a restart (a
// rotated Kubernetes Secret, a cert-manager renewal). Used by the HTTPS
// health probes (health_server.h); the gRPC servers have gRPC's own watcher.
//
// The pair is read at Load. Then the certificate file is watched
// (SecretFileWatcher: its stat identity every reload_interval, through the
// symlinks of a Secret volume); when it changed, both files are read again
// and the new pair is installed if the key matches the certificate. A new
// key always comes with a new certificate, so watching the certificate is
// enough. A pair that does not match (a half-written rotation), a file that
// cannot be read or is not PEM keeps the pair in force: the refusal is
// logged once (secrets.reload_refused, naming the files, never their
// contents) and counted, and the files are tried again at every check.
//
// ServeOn(context) makes each handshake take the pair in force at that
// moment (SSL_CTX_set_cert_cb), so new connections get a rotated certificate
// while connections already made keep theirs, and no handshake sees a
// half-installed pair.
//
// Thread-safety: every method may be called from any thread; the watcher's
// thread installs, handshaking threads read.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/secret_file_watcher.h"
#include "services/common/server/tls_files.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace ingest {

class ServingCertificate {
 public:
  // Reads the pair of `files` (client_ca_file is not this class's business
  // and is ignored) and starts watching it. FAILED_PRECONDITION naming the
  // file and its flag when one cannot be read; INVALID_ARGUMENT when one is
  // not PEM or the key does not match the certificate.
  static absl::StatusOr<std::unique_ptr<ServingCertificate>> Load(const TlsFiles& files);

  ~ServingCertificate();
  ServingCertificate(const ServingCertificate&) = delete;
  ServingCertificate& operator=(const ServingCertificate&) = delete;

  // Makes every handshake on `context` present the pair in force then. This
  // object must outlive `context`.
  void ServeOn(SSL_CTX* context);

  // Checks the files now, as the watcher does every reload_interval (tests;
  // a SIGHUP handler could too). OK when nothing changed or the new pair
  // was installed; the refusal otherwise.
  absl::Status CheckNow();

  // The served certificate's subject and issuer, one line, e.g.
  // "CN=localhost issued by CN=session-ingest local ca" (logs, tests).
  std::string Describe() const;

  // Pairs installed since Load, and changes refused.
  int64_t reloads() const { return watcher_->reloads(); }
  int64_t failures() const { return watcher_->failures(); }

 private:
  struct KeyPair;

  explicit ServingCertificate(TlsFiles files);

  // Parses the certificate `cert_pem` and the key file, installs the pair
  // if they match.
  absl::Status Install(const std::string& cert_pem);
  std::shared_ptr<const KeyPair> current() const;
  static int SelectCertificate(SSL* ssl, void* self);

  const TlsFiles files_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const KeyPair> current_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<SecretFileWatcher> watcher_;  // last: stopped first
};

}  // namespace ingest
