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
// Why not the Prometheus exposer's port: prometheus-cpp's Exposer answers
// only /metrics and cannot answer with a status code of our choosing, and
// probes need 503.
//
// Threads: CivetWeb's (`threads` of them) run the checks; they must be quick
// and thread-safe (read an atomic or a mutex-guarded flag; no I/O).

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

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
};

class HealthServer {
 public:
  // Listens on `address` ("HOST:PORT"; port 0 picks a free one) and starts
  // serving. Both checks are required. Errors name the address, e.g.
  // "cannot serve health probes on 0.0.0.0:9103: ... (is the port in use? ...)".
  static absl::StatusOr<std::unique_ptr<HealthServer>> Start(const std::string& address,
                                                             HealthChecks checks,
                                                             HealthServerOptions options = {});

  // Stops CivetWeb: waits for requests being served (at most read_timeout).
  ~HealthServer();

  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // The bound port (useful with port 0).
  int port() const { return port_; }

 private:
  explicit HealthServer(HealthChecks checks) : checks_(std::move(checks)) {}

  const HealthChecks checks_;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace ingest
