// chaos_load: drives SDK-like load through the gateways while the chaos
// orchestrator injects a fault, measures the gateway and the lag, and
// verifies in PostgreSQL that nothing acknowledged was lost. See README.md.
#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "tools/chaos/app.h"
#include "tools/chaos/flags.h"
#include "tools/chaos/verdict.h"

int main(int argc, char** argv) {
  const absl::StatusOr<ingest::chaos::ChaosOptions> options =
      ingest::chaos::ParseFlags(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "chaos_load: %s (see --help)\n",
                 std::string(options.status().message()).c_str());
    return ingest::chaos::kExitUsage;
  }
  return ingest::chaos::RunChaosMain(*options);
}
