#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ingest::loadgen {

// absl::ParseCommandLine exits with status 1 on an unknown flag or a bad
// value; the tools promise 2 for usage errors, so they call this first.
// Checks the `--name` and `--name=value` forms (in `--name value` the value is
// left to absl): INVALID_ARGUMENT for an unknown flag, or for a bad value of a
// flag defined in a file whose path contains `own_flags_dir` (e.g.
// "tools/loadgen/"). Parsing those values sets the flags, which is harmless:
// ParseCommandLine sets them again to the same values.
absl::Status CheckFlagSyntax(int argc, char** argv,
                             absl::string_view own_flags_dir);

// The command line of a load tool: sets `usage` as the --help text (listing
// the flags of files under `own_flags_dir`; once per process), then
// CheckFlagSyntax, absl::ParseCommandLine, and INVALID_ARGUMENT for
// positional arguments.
absl::Status ParseToolCommandLine(int argc, char** argv, absl::string_view usage,
                                  absl::string_view own_flags_dir);

// `flag_value`, or $INGEST_API_KEY when it is empty.
std::string ApiKeyOrEnvironment(std::string flag_value);

}  // namespace ingest::loadgen
