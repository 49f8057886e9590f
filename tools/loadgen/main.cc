// loadgen: drives the ingest pipeline with synthetic sessions and verifies
// in PostgreSQL that every acknowledged payload landed exactly once,
// byte-identical and in order. See README.md.
#include <optional>

#include "tools/loadgen/app.h"
#include "tools/loadgen/flags.h"

int main(int argc, char** argv) {
  ingest::loadgen::LoadgenOptions options;
  if (std::optional<int> exit = ingest::loadgen::ParseFlags(argc, argv, options)) return *exit;
  return ingest::loadgen::RunLoadgenMain(options);
}
