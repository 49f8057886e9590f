// bench_e2e: end-to-end, failover and message-size benchmarks against a real
// stack (see README.md).
#include <cstdio>
#include <string>

#include "services/common/logging/log.h"
#include "bench/common/console.h"
#include "bench/e2e/flags.h"
#include "bench/e2e/harness.h"
#include "bench/e2e/modes.h"

int main(int argc, char** argv) {
  const absl::StatusOr<ingest::bench_e2e::E2eOptions> options =
      ingest::bench_e2e::ParseE2eFlags(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "bench_e2e: %s\nRun bench_e2e --help for the flags.\n",
                 std::string(options.status().message()).c_str());
    return ingest::bench_e2e::kExitUsage;
  }
  // librdkafka's lines go through the project logger; keep them to warnings.
  ingest::log::Init("bench_e2e", ingest::log::Format::kText, ingest::log::Level::kWarn);
  ingest::bench_e2e::Harness harness(*options);
  if (absl::Status status = harness.Setup(); !status.ok()) {
    ingest::bench::Note(absl::StrCat("error: ", status.ToString()));
    return 1;
  }
  switch (options->mode) {
    case ingest::bench_e2e::Mode::kE2e:
      return ingest::bench_e2e::RunE2eMode(harness);
    case ingest::bench_e2e::Mode::kFailover:
      return ingest::bench_e2e::RunFailoverMode(harness);
    case ingest::bench_e2e::Mode::kSizes:
      return ingest::bench_e2e::RunSizesMode(harness);
  }
  return 1;
}
