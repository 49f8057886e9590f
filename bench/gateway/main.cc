// gateway_bench: the gateway benchmark of issue 3 (see bench/README.md).
#include <optional>

#include "bench/gateway/gateway_bench.h"
#include "bench/gateway/options.h"
#include "services/common/logging/log.h"

int main(int argc, char** argv) {
  ingest::bench::BenchOptions options;
  if (std::optional<int> exit = ingest::bench::ParseBenchOptions(argc, argv, options)) {
    return *exit;
  }
  // librdkafka's lines go through the project logger; keep them to warnings.
  ingest::log::Init("gateway_bench", ingest::log::Format::kText, ingest::log::Level::kWarn);
  return ingest::bench::RunGatewayBench(options);
}
