#include "services/gateway/session_id.h"

#include <openssl/rand.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ingest {
namespace {

bool IsProjectChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; }
bool IsLowerHex(char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'); }

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

std::string NewSessionId(absl::string_view project_id) {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    // The system RNG failing is not a request error: nothing can work.
    abort();
  }
  return absl::StrCat(project_id, ".",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(random), sizeof(random))));
}

absl::StatusOr<std::string> ProjectOfSessionId(absl::string_view session_id) {
  const size_t dot = session_id.rfind('.');
  const absl::Status malformed = absl::InvalidArgumentError(
      "session_id is malformed: send the id InitializeSession returned, unchanged");
  if (session_id.empty()) {
    return absl::InvalidArgumentError(
        "session_id is empty: call InitializeSession first and send the id it returns");
  }
  if (dot == absl::string_view::npos || session_id.size() - dot - 1 != 32) return malformed;
  for (char c : session_id.substr(dot + 1)) {
    if (!IsLowerHex(c)) return malformed;
  }
  const absl::string_view project = session_id.substr(0, dot);
  if (!ValidateProjectId(project).ok()) return malformed;
  return std::string(project);
}

}  // namespace ingest
