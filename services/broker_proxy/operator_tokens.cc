#include "services/broker_proxy/operator_tokens.h"

#include <openssl/crypto.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/auth/bearer.h"
#include "services/common/auth/secret_file.h"
#include "services/common/crypto/sha256.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr size_t kMinTokenLength = 16;

bool IsName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxOperatorNameLength) return false;
  for (char c : name) {
    if (c < 0x21 || c > 0x7e) return false;  // printable ASCII, no blank
  }
  return true;
}

}  // namespace

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
    const std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.size() > 2 || words[0].size() < kMinTokenLength) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ":", line_number,
                       ": a line is `<token> [name]`: a token of at least ", kMinTokenLength,
                       " characters, then optionally one word naming who holds it (e.g. alice)"));
    }
    const std::string digest = Sha256(words[0]);
    std::string name;
    if (words.size() == 2) {
      if (!IsName(words[1])) {
        return absl::InvalidArgumentError(
            absl::StrCat(origin, ":", line_number, ": the name after the token must be 1 to ",
                         kMaxOperatorNameLength, " printable characters (e.g. alice, ci-deploy)"));
      }
      name = std::string(words[1]);
    } else {
      name = absl::StrCat("token:", Sha256Hex(words[0]).substr(0, 8));
    }
    tokens.tokens_.push_back({digest, std::move(name)});
  }
  if (tokens.tokens_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": no operator token"));
  }
  return tokens;
}

absl::StatusOr<std::string> OperatorTokens::Authenticate(absl::string_view authorization) const {
  absl::StatusOr<absl::string_view> token =
      BearerCredential(authorization, "operator token", "operator token");
  if (!token.ok()) return token.status();
  const std::string digest = Sha256(*token);
  // Every digest is compared, so the time taken says nothing about which
  // token (or how much of one) matched.
  const Token* matched = nullptr;
  for (const Token& candidate : tokens_) {
    const bool equal = CRYPTO_memcmp(candidate.digest.data(), digest.data(), digest.size()) == 0;
    if (equal && matched == nullptr) matched = &candidate;
  }
  if (matched == nullptr) {
    return absl::UnauthenticatedError(
        "unknown operator token: use a token from broker-proxy's --operator_token_file");
  }
  return matched->name;
}

}  // namespace ingest
