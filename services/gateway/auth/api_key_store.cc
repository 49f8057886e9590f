#include "services/gateway/auth/api_key_store.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/auth/bearer.h"
#include "services/common/auth/secret_file.h"
#include "services/common/crypto/sha256.h"
#include "services/common/status/status_macros.h"
#include "services/gateway/session_id.h"

namespace ingest {

absl::StatusOr<ApiKeyStore> ApiKeyStore::LoadFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSecretFile(path, "API keys file", "--api_keys_file"));
  return Parse(text, path);
}

absl::StatusOr<ApiKeyStore> ApiKeyStore::Parse(absl::string_view text, absl::string_view origin) {
  ApiKeyStore store;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const auto where = [&] { return absl::StrCat(origin, ":", line_number); };
    if (fields.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": expected `<project_id> <api_key>`"));
    }
    if (absl::Status status = ValidateProjectId(fields[0]); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": ", status.message()));
    }
    if (fields[1].size() < 16) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": API key shorter than 16 characters"));
    }
    if (!store.projects_by_digest_.emplace(Sha256(fields[1]), std::string(fields[0])).second) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": duplicate API key"));
    }
  }
  if (store.projects_by_digest_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": no API keys"));
  }
  return store;
}

absl::StatusOr<std::string> ApiKeyStore::ProjectOf(absl::string_view api_key) const {
  auto it = projects_by_digest_.find(Sha256(api_key));
  if (it == projects_by_digest_.end()) {
    return absl::UnauthenticatedError("unknown API key: check the project's key");
  }
  return it->second;
}

absl::StatusOr<std::string> ApiKeyStore::Authenticate(absl::string_view authorization) const {
  absl::StatusOr<absl::string_view> key =
      BearerCredential(authorization, "API key", "project API key");
  if (!key.ok()) return key.status();
  return ProjectOf(*key);
}

}  // namespace ingest
