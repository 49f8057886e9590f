// loadgen: drives the ingest pipeline with synthetic sessions and verifies
// in PostgreSQL that every acknowledged payload landed exactly once,
// byte-identical and in order. See README.md.
#include <cstdio>

#include "absl/status/statusor.h"
#include "tools/loadgen/app.h"
#include "tools/loadgen/flags.h"
#include "tools/loadgen/summary.h"

int main(int argc, char** argv) {
  const absl::StatusOr<ingest::loadgen::LoadgenOptions> options =
      ingest::loadgen::ParseFlags(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "loadgen: %s\nRun loadgen --help for the flags.\n",
                 std::string(options.status().message()).c_str());
    return ingest::loadgen::kExitUsage;
  }
  return ingest::loadgen::RunLoadgenMain(*options);
}
