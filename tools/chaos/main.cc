// chaos_load: drives SDK-like load through the gateways while the chaos
// orchestrator injects a fault, measures the gateway and the lag, and
// verifies in PostgreSQL that nothing acknowledged was lost. See README.md.
#include <optional>

#include "tools/chaos/app.h"
#include "tools/chaos/options.h"

int main(int argc, char** argv) {
  ingest::chaos::ChaosOptions options;
  if (std::optional<int> exit = ingest::chaos::ParseChaosOptions(argc, argv, options)) {
    return *exit;
  }
  return ingest::chaos::RunChaosMain(options);
}
