#pragma once

// Serves a prometheus-cpp registry at http://<address>/metrics on its own
// port, separate from the gRPC port, together with the process_* metrics
// (ProcessCollector). Owns the HTTP server's threads.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "services/common/metrics/process_collector.h"

namespace ingest {

class MetricsServer {
 public:
  // Binds `address` ("127.0.0.1:0" picks a free port). Errors name the
  // address so the operator can free or change it.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry);

  // The bound port (useful with port 0).
  int port() const { return port_; }

 private:
  MetricsServer(std::unique_ptr<prometheus::Exposer> exposer,
                std::shared_ptr<ProcessCollector> process, int port)
      : exposer_(std::move(exposer)), process_(std::move(process)), port_(port) {}

  std::unique_ptr<prometheus::Exposer> exposer_;
  // The exposer holds it weakly.
  std::shared_ptr<ProcessCollector> process_;
  int port_;
};

}  // namespace ingest
