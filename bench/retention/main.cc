// retention_bench: the retention benchmark of issue 21 (see README.md).
#include <optional>

#include "CLI/CLI.hpp"
#include "bench/retention/options.h"
#include "bench/retention/retention_bench.h"
#include "services/common/flags/cli.h"
#include "services/common/logging/log.h"

int main(int argc, char** argv) {
  ingest::bench_retention::RetentionBenchOptions options;
  CLI::App app("", "retention_bench");
  ingest::bench_retention::AddRetentionBenchFlags(app, options);
  if (const std::optional<int> exit_status = ingest::cli::Parse(app, argc, argv)) {
    return *exit_status;
  }
  // The enforcer's and the store's step lines stay out of the output.
  ingest::log::Init("retention_bench", ingest::log::Format::kText, ingest::log::Level::kWarn);
  return ingest::bench_retention::RunRetentionBench(options);
}
