#pragma once

// HealthServer: Kubernetes' HTTP probes on their own port, served by
// CivetWeb (the embedded HTTP server prometheus-cpp's exposer runs on; Debian's
// libcivetweb). This file only routes:
//
//   GET /livez   200 "ok\n", or 503 with the liveness check's reason
//   GET /readyz  200 "ok\n", or 503 with the readiness check's reason
//   other paths 404; other methods on those paths 405 (Allow: GET).
//
// HTTP itself (parsing, oversize or malformed requests, timeouts, the
// connection limit) is CivetWeb's. Every response closes its connection.
//
// HTTPS when options.tls names a certificate and key: a TlsRelay on
// `address` does TLS (1.2 or later) with the pair a ServingCertificate keeps
// current, and hands each connection to CivetWeb, then listening on
// 127.0.0.1 only (CivetWeb's own TLS cannot load Debian 12's OpenSSL 3; see
// tls_relay.h). A rotated certificate is served to new connections within
// reload_interval, with no restart of the listener and no request refused
// during the swap. No client certificate is asked: the kubelet's HTTPS
// probes have none (and verify nothing), so a client CA is refused.
//
// Why not the Prometheus exposer's port: prometheus-cpp's Exposer answers
// only /metrics and cannot answer with a status code of our choosing, and
// probes need 503.
//
// Threads: CivetWeb's (`threads` of them) run the checks; they must be quick
// and thread-safe (read an atomic or a mutex-guarded flag; no I/O).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/health/serving_certificate.h"
#include "services/common/health/tls_relay.h"
#include "services/common/server/tls_files.h"

struct mg_context;

namespace ingest {

// What a check says: healthy, or why not (one short line, sent as the body).
struct HealthReport {
  bool ok = true;
  std::string reason;

  static HealthReport Healthy() { return {true, ""}; }
  static HealthReport Unhealthy(std::string reason) { return {false, std::move(reason)}; }
};

using HealthCheck = std::function<HealthReport()>;

struct HealthChecks {
  HealthCheck liveness;   // GET /livez: false means "restart me"
  HealthCheck readiness;  // GET /readyz: false means "do not count on me now"
};

struct HealthServerOptions {
  // A connection must deliver its request within this long.
  absl::Duration read_timeout = absl::Seconds(2);
  // CivetWeb worker threads: connections served at once (more wait).
  int threads = 4;
  // HTTPS with this certificate and key (client_ca_file must be empty);
  // plain HTTP when unset.
  std::optional<TlsFiles> tls;
};

// The TLS of a gRPC service's probe port: the service's certificate and key,
// without its client CA (the kubelet has no client certificate).
std::optional<TlsFiles> ProbeTls(const std::optional<TlsFiles>& service_tls);

class HealthServer {
 public:
  // Listens on `address` ("HOST:PORT"; port 0 picks a free one) and starts
  // serving. Both checks are required. Errors name the address, e.g.
  // "cannot serve health probes on 0.0.0.0:9103: ... (is the port in use? ...)".
  // With options.tls: ServingCertificate::Load's error for an unreadable or
  // unusable pair, INVALID_ARGUMENT for a client CA.
  static absl::StatusOr<std::unique_ptr<HealthServer>> Start(const std::string& address,
                                                             HealthChecks checks,
                                                             HealthServerOptions options = {});

  // Stops CivetWeb: waits for requests being served (at most read_timeout).
  ~HealthServer();

  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // The bound port (useful with port 0).
  int port() const { return port_; }

  // The certificate served over HTTPS (its reloads, failures, CheckNow);
  // null for plain HTTP.
  ServingCertificate* tls_certificate() const { return certificate_.get(); }

 private:
  explicit HealthServer(HealthChecks checks) : checks_(std::move(checks)) {}

  const HealthChecks checks_;
  std::unique_ptr<ServingCertificate> certificate_;  // outlives relay_
  mg_context* context_ = nullptr;
  std::unique_ptr<TlsRelay> relay_;  // HTTPS only; stopped first
  int port_ = 0;
};

}  // namespace ingest
