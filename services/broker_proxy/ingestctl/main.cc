// ingestctl: the operator's CLI for broker-proxy. See README.md.
#include <grpc/support/log.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "services/broker_proxy/ingestctl/app.h"

int main(int argc, char** argv) {
  namespace ctl = ingest::ingestctl;
  ctl::Environment environment;
  for (const char* name : ctl::kEnvironmentVariables) {
    if (const char* value = std::getenv(name)) environment[name] = value;
  }
  // ingestctl prints each failure itself, with what to do; gRPC's own log
  // lines ("Handshake failed ...") only when asked for with GRPC_VERBOSITY.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function([](gpr_log_func_args*) {});
  ctl::Console console{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1};
  return ctl::RunIngestctl(std::vector<std::string>(argv + 1, argv + argc), environment, console,
                           ctl::CreateGrpcBrokerProxyClient, ctl::ProcessPacer());
}
