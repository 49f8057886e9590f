// gateway: public ingest gRPC API -> Kafka ingest.tasks. See README.md.

#include "services/common/logging/log.h"
#include "services/common/server/process_setup.h"
#include "services/common/server/shutdown_signal.h"
#include "services/gateway/flags.h"
#include "services/gateway/gateway_server.h"

int main(int argc, char** argv) {
  ingest::DisableMutexDeadlockDetection();
  ingest::BlockShutdownSignals();
  auto options = ingest::ParseGatewayFlags(argc, argv);
  if (!options.ok()) {
    ingest::log::Error("gateway.bad_flags", {{"error", options.status().ToString()}});
    return 2;
  }
  auto server = ingest::GatewayServer::Start(*options);
  if (!server.ok()) {
    ingest::log::Error("gateway.start_failed", {{"error", server.status().ToString()}});
    return 1;
  }
  const int signal_number = ingest::WaitForShutdownSignal();
  ingest::log::Info("gateway.shutdown_requested", {{"signal", signal_number}});
  (*server)->Shutdown();
  return 0;
}
