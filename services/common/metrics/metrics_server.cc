#include "services/common/metrics/metrics_server.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  std::unique_ptr<prometheus::Exposer> exposer;
  // prometheus-cpp reports bind failures by throwing; this is the boundary
  // where that becomes a Status.
  try {
    exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", address, ": ", e.what(),
                                               " (is the port in use? pass another address)"));
  }
  exposer->RegisterCollectable(registry);
  auto process = std::make_shared<ProcessCollector>();
  exposer->RegisterCollectable(process);
  const std::vector<int> ports = exposer->GetListeningPorts();
  const int port = ports.empty() ? 0 : ports.front();
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(exposer), std::move(process), port));
}

}  // namespace ingest
