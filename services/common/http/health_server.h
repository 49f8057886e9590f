#pragma once

// HealthServer: a tiny HTTP/1.1 server for Kubernetes probes on its own port.
//
//   GET /livez   200 "ok\n", or 503 with the liveness check's reason
//   GET /readyz  200 "ok\n", or 503 with the readiness check's reason
//   other paths 404; other methods on those paths 405; a request head over
//   `max_request_bytes` 431; a malformed request line 400.
//
// It exists because the Prometheus exposer cannot answer with a status code
// of our choosing, and probes need 503. Every response closes the connection.
//
// Threads: Start() and the destructor run on the owner's thread; one server
// thread accepts and serves all connections with poll(), so a client that
// connects and sends nothing delays nobody and is dropped after
// `read_timeout`. The checks run on that server thread: they must be quick
// and thread-safe (read an atomic or a mutex-guarded flag; do not query a
// database from a check).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

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
  // A connection must deliver its request head within this long.
  absl::Duration read_timeout = absl::Seconds(2);
  // Largest request head (request line and headers) accepted.
  size_t max_request_bytes = 8 * 1024;
  // Connections served at once; more wait in the kernel's accept queue.
  int max_connections = 64;
};

class HealthServer {
 public:
  // Listens on `address` ("HOST:PORT"; port 0 picks a free one) and starts
  // serving. Both checks are required. Errors name the address, e.g.
  // "address in use: 0.0.0.0:9103 ...".
  static absl::StatusOr<std::unique_ptr<HealthServer>> Start(const std::string& address,
                                                             HealthChecks checks,
                                                             HealthServerOptions options = {});

  // Stops accepting, closes open connections and joins the server thread;
  // returns promptly whatever clients are doing.
  ~HealthServer();

  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // The bound port (useful with port 0).
  int port() const { return port_; }

 private:
  HealthServer(HealthChecks checks, HealthServerOptions options, int listen_fd, int wake_fd,
               int port);

  // The server thread's body: the poll loop until the destructor wakes it.
  void Serve();

  const HealthChecks checks_;
  const HealthServerOptions options_;
  const int listen_fd_;
  const int wake_fd_;  // eventfd the destructor writes to end Serve()
  const int port_;
  std::thread thread_;
};

}  // namespace ingest
