#pragma once

// Operator tokens of broker-proxy, loaded from a file (in Kubernetes: a
// mounted Secret). One token per line; blank lines and lines starting with
// '#' are ignored; several tokens allow rotation. Tokens are never project
// API keys. Only SHA-256 digests are kept, and a presented token is compared
// with every one of them in constant time.
//
// Thread-safe after construction (immutable).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth/live_secrets.h"

namespace ingest {

class OperatorTokens {
 public:
  static absl::StatusOr<OperatorTokens> LoadFile(const std::string& path);
  static absl::StatusOr<OperatorTokens> Parse(absl::string_view text, absl::string_view origin);

  // OK for an `authorization` metadata value "Bearer <known token>";
  // UNAUTHENTICATED with what to send otherwise.
  absl::Status Authenticate(absl::string_view authorization) const;

  size_t size() const { return digests_.size(); }

 private:
  std::vector<std::string> digests_;
};

// The operator tokens in force, replaced whole when --operator_token_file
// changes.
using LiveOperatorTokens = LiveSecrets<OperatorTokens>;

}  // namespace ingest
