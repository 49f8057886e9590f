// broker_proxy: Kafka's admin operations over gRPC. See README.md.

#include <cstdio>
#include <cstdlib>

#include "services/broker_proxy/broker_proxy_server.h"
#include "services/broker_proxy/flags.h"
#include "services/common/logging/log.h"
#include "services/common/server/process_setup.h"
#include "services/common/server/shutdown_signal.h"

int main(int argc, char** argv) {
  ingest::DisableMutexDeadlockDetection();
  ingest::BlockShutdownSignals();
  auto options = ingest::ParseBrokerProxyFlags(argc, argv);
  if (!options.ok()) {
    ingest::log::Error("broker_proxy.bad_flags", {{"error", options.status().ToString()}});
    return 2;
  }
  auto server = ingest::BrokerProxyServer::Start(*options);
  if (!server.ok()) {
    ingest::log::Error("broker_proxy.start_failed", {{"error", server.status().ToString()}});
    return 1;
  }
  const int signal_number = ingest::WaitForShutdownSignal();
  ingest::log::Info("broker_proxy.shutdown_requested", {{"signal", signal_number}});
  (*server)->Shutdown();
  // Calls are answered and nothing is left to persist. Skip destructors:
  // destroying the librdkafka admin handle waits for admin requests still
  // outstanding, and a broker that never answers one (librdkafka 2.0.2's
  // mock never answers DescribeGroups) would hang the exit past SIGKILL.
  std::fflush(nullptr);
  std::_Exit(0);
}
