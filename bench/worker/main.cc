// worker_bench: the worker benchmark of issue 4 (see bench/README.md).
#include <optional>

#include "CLI/CLI.hpp"
#include "bench/worker/options.h"
#include "bench/worker/worker_bench.h"
#include "services/common/flags/cli.h"
#include "services/common/logging/log.h"

int main(int argc, char** argv) {
  ingest::bench_worker::WorkerBenchOptions options;
  CLI::App app("", "worker_bench");
  ingest::bench_worker::AddWorkerBenchFlags(app, options);
  if (const std::optional<int> exit_status = ingest::cli::Parse(app, argc, argv)) {
    return *exit_status;
  }
  // librdkafka's lines go through the project logger; keep them to warnings.
  ingest::log::Init("worker_bench", ingest::log::Format::kText, ingest::log::Level::kWarn);
  return ingest::bench_worker::RunWorkerBench(options);
}
