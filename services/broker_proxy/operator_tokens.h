#pragma once

// Operator tokens of broker-proxy, loaded from a file (in Kubernetes: a
// mounted Secret). One token per line, optionally followed by the name of
// who holds it:
//
//   <token> [name]
//
// The token is one word of at least 16 characters; the name, one word of up
// to 64 printable characters (e.g. alice, ci-deploy). Blank lines and lines
// starting with '#' are ignored; several tokens allow rotation (the first
// line of a token repeated wins). Tokens are never project API keys. Only
// SHA-256 digests are kept, and a presented token is compared with every
// one of them in constant time.
//
// Authenticate says who called: the matched token's name, or for a token
// without one "token:" and the first 8 hex digits of its SHA-256 (never the
// token). broker-proxy logs it and records it as `requested_by` of an
// erasure or a retention run.
//
// Thread-safe after construction (immutable).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth/live_secrets.h"

namespace ingest {

// The longest name a token line may give.
inline constexpr size_t kMaxOperatorNameLength = 64;

class OperatorTokens {
 public:
  static absl::StatusOr<OperatorTokens> LoadFile(const std::string& path);
  static absl::StatusOr<OperatorTokens> Parse(absl::string_view text, absl::string_view origin);

  // The operator of an `authorization` metadata value "Bearer <known
  // token>": its name, or "token:<8 hex of its SHA-256>" without one;
  // UNAUTHENTICATED with what to send otherwise.
  absl::StatusOr<std::string> Authenticate(absl::string_view authorization) const;

  size_t size() const { return tokens_.size(); }

 private:
  struct Token {
    std::string digest;  // SHA-256 of the token
    std::string name;    // as Authenticate answers it
  };
  std::vector<Token> tokens_;
};

// The operator tokens in force, replaced whole when --operator_token_file
// changes.
using LiveOperatorTokens = LiveSecrets<OperatorTokens>;

}  // namespace ingest
