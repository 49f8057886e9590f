#pragma once

// The `authorization: Bearer <credential>` metadata both services take
// (project API keys at the gateway, operator tokens at broker-proxy).

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ingest {

// The credential in an `authorization` value "Bearer <credential>" (either
// case of "Bearer", surrounding whitespace stripped). UNAUTHENTICATED saying
// what to send otherwise: `name` says what is missing ("API key"),
// `placeholder` what goes after "Bearer " ("project API key").
absl::StatusOr<absl::string_view> BearerCredential(absl::string_view authorization,
                                                   absl::string_view name,
                                                   absl::string_view placeholder);

}  // namespace ingest
