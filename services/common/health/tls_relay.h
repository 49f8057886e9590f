#pragma once

// TlsRelay: the TLS side of the HTTPS health probes. Accepts TLS connections
// on an address, does the handshake with the pair a ServingCertificate keeps
// current, and relays each connection, decrypted, to a plaintext HTTP server
// on 127.0.0.1 (the HealthServer's CivetWeb), which does all of HTTP.
//
// Why not CivetWeb's own TLS: Debian 12's libcivetweb (1.15, built for the
// OpenSSL 1.1 API) loads OpenSSL at run time and looks up
// SSL_get_peer_certificate, which OpenSSL 3 no longer exports; its SSL
// initialisation fails, and the first HTTPS connection then calls a null
// function pointer (civetweb/civetweb#1334).
//
// `connections` threads each accept and serve one connection at a time;
// more connections wait in the listen backlog. The handshake and every wait
// for bytes are bounded by `timeout`, and a whole exchange by twice it, so a
// silent or trickling client holds a thread for a bounded time. Handshake
// failures (a client that does not trust the certificate, a scanner) are
// logged, rate-limited, and close only their connection. No client
// certificate is asked.
//
// Thread-safety: Start and the destructor from one thread; port() from any.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/health/serving_certificate.h"
#include "services/common/logging/log_rate_limiter.h"

namespace ingest {

struct TlsRelayOptions {
  // Connections served at once.
  int connections = 4;
  // Bound on the handshake and on each wait for bytes; twice it bounds a
  // whole connection.
  absl::Duration timeout = absl::Seconds(2);
};

class TlsRelay {
 public:
  // Listens on `address` ("HOST:PORT", "PORT" for every interface; port 0
  // picks one) and relays to 127.0.0.1:`backend_port`. `certificate` must
  // outlive the relay. UNAVAILABLE naming the address when it cannot listen.
  static absl::StatusOr<std::unique_ptr<TlsRelay>> Start(const std::string& address,
                                                         int backend_port,
                                                         ServingCertificate& certificate,
                                                         TlsRelayOptions options = {});

  // Stops accepting, cuts connections in progress and joins the threads.
  ~TlsRelay();
  TlsRelay(const TlsRelay&) = delete;
  TlsRelay& operator=(const TlsRelay&) = delete;

  // The bound port.
  int port() const { return port_; }

 private:
  TlsRelay(int backend_port, TlsRelayOptions options)
      : backend_port_(backend_port), options_(options), active_(options.connections, -1) {}

  // One thread's life: accept, serve, until stopped.
  void AcceptLoop(int slot);
  void Serve(int client);
  // Copies bytes both ways until the backend has answered and closed.
  void Relay(struct ssl_st* ssl, int client, int backend, absl::Time deadline);
  void LogHandshakeFailure();

  const int backend_port_;
  const TlsRelayOptions options_;
  SSL_CTX* context_ = nullptr;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  LogRateLimiter handshake_failures_log_;
  absl::Mutex mu_;
  // The client socket each thread is serving (-1: none), cut on stop.
  std::vector<int> active_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace ingest
