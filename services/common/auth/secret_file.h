#pragma once

// Reading a file of secrets (API keys, operator tokens, the session secret;
// in Kubernetes a mounted Secret) whole, with an error that names the flag
// to fix.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ingest {

// The contents of `path`; FAILED_PRECONDITION "cannot read <what> <path>:
// check <flag>" when it cannot be read.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path, absl::string_view what,
                                           absl::string_view flag);

}  // namespace ingest
