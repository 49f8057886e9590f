#include "services/broker_proxy/operator_tokens.h"

#include <openssl/crypto.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/auth/bearer.h"
#include "services/common/auth/secret_file.h"
#include "services/common/crypto/sha256.h"
#include "services/common/status/status_macros.h"

namespace ingest {

absl::StatusOr<OperatorTokens> OperatorTokens::LoadFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text,
                   ReadSecretFile(path, "operator token file", "--operator_token_file"));
  return Parse(text, path);
}

absl::StatusOr<OperatorTokens> OperatorTokens::Parse(absl::string_view text,
                                                     absl::string_view origin) {
  OperatorTokens tokens;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    if (line.size() < 16 || absl::StrContains(line, ' ') || absl::StrContains(line, '\t')) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ":", line_number, ": a token is one word of at least 16 characters"));
    }
    tokens.digests_.push_back(Sha256(line));
  }
  if (tokens.digests_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": no operator token"));
  }
  return tokens;
}

absl::Status OperatorTokens::Authenticate(absl::string_view authorization) const {
  absl::StatusOr<absl::string_view> token =
      BearerCredential(authorization, "operator token", "operator token");
  if (!token.ok()) return token.status();
  const std::string digest = Sha256(*token);
  // Every digest is compared, so the time taken says nothing about which
  // token (or how much of one) matched.
  bool known = false;
  for (const std::string& candidate : digests_) {
    known |= CRYPTO_memcmp(candidate.data(), digest.data(), digest.size()) == 0;
  }
  if (!known) {
    return absl::UnauthenticatedError(
        "unknown operator token: use a token from broker-proxy's --operator_token_file");
  }
  return absl::OkStatus();
}

}  // namespace ingest
