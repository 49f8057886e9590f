// chaos_poison: the fault of `./dev chaos poison` (see poison_run.h).

#include <optional>

#include "services/common/logging/log.h"
#include "tools/chaos_poison/poison_run.h"

int main(int argc, char** argv) {
  ingest::chaos::PoisonOptions options;
  if (std::optional<int> exit = ingest::chaos::ParsePoisonOptions(argc, argv, options)) {
    return *exit;
  }
  ingest::log::Init("chaos_poison", ingest::log::Format::kText, ingest::log::Level::kWarn);
  return ingest::chaos::RunPoison(options);
}
