// ingestctl: the operator's CLI for broker-proxy. See README.md.
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
  ctl::Console console{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1};
  return ctl::RunIngestctl(std::vector<std::string>(argv + 1, argv + argc), environment, console,
                           ctl::CreateGrpcBrokerProxyClient, ctl::ProcessPacer());
}
