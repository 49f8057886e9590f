// gateway_bench: the gateway benchmark of issue 3 (see bench/README.md).
#include <cstdio>
#include <string>

#include "services/common/logging/log.h"
#include "bench/gateway/flags.h"
#include "bench/gateway/gateway_bench.h"

int main(int argc, char** argv) {
  const absl::StatusOr<ingest::bench::BenchOptions> options =
      ingest::bench::ParseBenchFlags(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "gateway_bench: %s\nRun gateway_bench --help for the flags.\n",
                 std::string(options.status().message()).c_str());
    return ingest::bench::kExitUsage;
  }
  // librdkafka's lines go through the project logger; keep them to warnings.
  ingest::log::Init("gateway_bench", ingest::log::Format::kText, ingest::log::Level::kWarn);
  return ingest::bench::RunGatewayBench(*options);
}
