#include "services/gateway/session_id.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/secret_file.h"
#include "services/common/crypto/sha256.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr size_t kHexPartLength = 32;

bool IsProjectChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; }

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateProjectId(absl::string_view project_id) {
  if (project_id.empty()) return absl::InvalidArgumentError("project_id is empty");
  if (project_id.size() > kMaxProjectIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("project_id is longer than ", kMaxProjectIdLength, " characters"));
  }
  for (char c : project_id) {
    if (!IsProjectChar(c)) {
      return absl::InvalidArgumentError(
          "project_id may contain only letters, digits, '-' and '_'");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SessionIds> SessionIds::LoadSecretFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text,
                   ReadSecretFile(path, "session secret file", "--session_secret_file"));
  std::string secret(absl::StripAsciiWhitespace(text));
  if (secret.size() < 16) {
    return absl::InvalidArgumentError(absl::StrCat(
        "session secret in ", path, " is shorter than 16 bytes: use a long random value"));
  }
  return SessionIds(std::move(secret));
}

std::string SessionIds::Tag(absl::string_view signed_part) const {
  return absl::BytesToHexString(HmacSha256(secret_, signed_part).substr(0, kHexPartLength / 2));
}

std::string SessionIds::New(absl::string_view project_id) const {
  unsigned char random[kHexPartLength / 2];
  // The system RNG failing is not a request error: nothing can work.
  if (RAND_bytes(random, sizeof(random)) != 1) abort();
  const std::string signed_part = absl::StrCat(
      project_id, ".",
      absl::BytesToHexString(
          absl::string_view(reinterpret_cast<const char*>(random), sizeof(random))));
  return absl::StrCat(signed_part, ".", Tag(signed_part));
}

absl::StatusOr<std::string> SessionIds::ProjectOf(absl::string_view session_id) const {
  if (session_id.empty()) {
    return absl::InvalidArgumentError(
        "session_id is empty: call InitializeSession first and send the id it returns");
  }
  const absl::Status malformed = absl::InvalidArgumentError(
      "session_id is malformed: send the id InitializeSession returned, unchanged");
  if (session_id.size() > kMaxSessionIdLength) return malformed;
  const size_t tag_dot = session_id.rfind('.');
  if (tag_dot == absl::string_view::npos || tag_dot == 0) return malformed;
  const size_t random_dot = session_id.rfind('.', tag_dot - 1);
  if (random_dot == absl::string_view::npos) return malformed;
  const absl::string_view project = session_id.substr(0, random_dot);
  const absl::string_view random = session_id.substr(random_dot + 1, tag_dot - random_dot - 1);
  const absl::string_view tag = session_id.substr(tag_dot + 1);
  if (random.size() != kHexPartLength || tag.size() != kHexPartLength || !IsLowerHex(random) ||
      !IsLowerHex(tag) || !ValidateProjectId(project).ok()) {
    return malformed;
  }
  const std::string expected = Tag(session_id.substr(0, tag_dot));
  if (CRYPTO_memcmp(expected.data(), tag.data(), kHexPartLength) != 0) {
    return absl::PermissionDeniedError(
        "session_id was not issued by this deployment: call InitializeSession for a new one");
  }
  return std::string(project);
}

absl::Status SessionIds::CheckOwnedBy(absl::string_view session_id,
                                      absl::string_view project_id) const {
  absl::StatusOr<std::string> project = ProjectOf(session_id);
  if (!project.ok()) return project.status();
  if (*project != project_id) {
    return absl::PermissionDeniedError(
        "session_id belongs to another project: use that project's API key");
  }
  return absl::OkStatus();
}

}  // namespace ingest
