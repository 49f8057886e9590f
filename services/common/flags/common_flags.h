#pragma once

// Flags every service binary shares (--log_format, --log_level) and the
// environment-variable fallback for string flags.

#include <initializer_list>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ingest {

// A string flag that takes `env`'s value when the variable is set.
struct EnvBinding {
  absl::Flag<std::string>* flag;
  const char* env;
};

// Call before absl::ParseCommandLine so the command line wins over the
// environment. LOG_FORMAT and LOG_LEVEL are always bound.
void ApplyEnvironment(std::initializer_list<EnvBinding> bindings);

// Validates --log_format/--log_level and initializes logging for `service`.
absl::Status InitLoggingFromFlags(absl::string_view service);

}  // namespace ingest
