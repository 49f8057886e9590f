// bench_e2e: end-to-end, failover and message-size benchmarks against a real
// stack (see README.md).
#include <optional>

#include "absl/strings/str_cat.h"
#include "bench/common/console.h"
#include "bench/e2e/harness.h"
#include "bench/e2e/modes.h"
#include "bench/e2e/options.h"
#include "services/common/logging/log.h"

namespace ingest::bench_e2e {
namespace {

int Run(const E2eOptions& options) {
  // librdkafka's lines go through the project logger; keep them to warnings.
  log::Init("bench_e2e", log::Format::kText, log::Level::kWarn);
  Harness harness(options);
  if (absl::Status status = harness.Setup(); !status.ok()) {
    bench::Note(absl::StrCat("error: ", status.ToString()));
    return 1;
  }
  switch (options.mode) {
    case Mode::kE2e:
      return RunE2eMode(harness);
    case Mode::kFailover:
      return RunFailoverMode(harness);
    case Mode::kSizes:
      return RunSizesMode(harness);
  }
  return 1;
}

}  // namespace
}  // namespace ingest::bench_e2e

int main(int argc, char** argv) {
  ingest::bench_e2e::E2eOptions options;
  if (std::optional<int> exit = ingest::bench_e2e::ParseOptions(argc, argv, options)) {
    return *exit;
  }
  return ingest::bench_e2e::Run(options);
}
