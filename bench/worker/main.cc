// worker_bench: the worker benchmark of issue 4 (see bench/README.md).
#include <cstdio>
#include <string>

#include "services/common/logging/log.h"
#include "bench/worker/flags.h"
#include "bench/worker/worker_bench.h"

int main(int argc, char** argv) {
  const absl::StatusOr<ingest::bench_worker::WorkerBenchOptions> options =
      ingest::bench_worker::ParseWorkerBenchFlags(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "worker_bench: %s\nRun worker_bench --help for the flags.\n",
                 std::string(options.status().message()).c_str());
    return ingest::bench_worker::kExitUsage;
  }
  // librdkafka's lines go through the project logger; keep them to warnings.
  ingest::log::Init("worker_bench", ingest::log::Format::kText, ingest::log::Level::kWarn);
  return ingest::bench_worker::RunWorkerBench(*options);
}
