#pragma once

// Makes `--help` list the service's own flags (defined in its flags.cc)
// rather than abseil's default of flags from files named like the binary.

#include "absl/strings/string_view.h"

namespace ingest {

// `usage` is the first line(s) printed by --help.
void ConfigureFlagUsage(absl::string_view usage);

}  // namespace ingest
