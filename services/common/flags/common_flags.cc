#include "services/common/flags/common_flags.h"

#include <cstdlib>

#include "services/common/logging/log.h"

ABSL_FLAG(std::string, log_format, "text", "Log format: text or json. Env: LOG_FORMAT.");
ABSL_FLAG(std::string, log_level, "info",
          "Minimum log level: debug, info, warn, error. Env: LOG_LEVEL.");

namespace ingest {
namespace {

void Apply(const EnvBinding& binding) {
  const char* value = std::getenv(binding.env);
  if (value != nullptr && *value != '\0') absl::SetFlag(binding.flag, value);
}

}  // namespace

void ApplyEnvironment(std::initializer_list<EnvBinding> bindings) {
  Apply({&FLAGS_log_format, "LOG_FORMAT"});
  Apply({&FLAGS_log_level, "LOG_LEVEL"});
  for (const EnvBinding& binding : bindings) Apply(binding);
}

absl::Status InitLoggingFromFlags(absl::string_view service) {
  log::Format format;
  log::Level level;
  if (!log::ParseFormat(absl::GetFlag(FLAGS_log_format), &format)) {
    return absl::InvalidArgumentError("--log_format must be text or json");
  }
  if (!log::ParseLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return absl::InvalidArgumentError("--log_level must be debug, info, warn or error");
  }
  log::Init(service, format, level);
  return absl::OkStatus();
}

}  // namespace ingest
