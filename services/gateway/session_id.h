#pragma once

// Session ids: "<project_id>.<32 hex random>.<32 hex tag>", where the tag is
// a truncated HMAC-SHA-256 of "<project_id>.<random>" under a secret shared
// by every gateway replica (`--session_secret_file`).
//
// The project is bound into the id, so the stateless gateway can check that
// a call's API key owns the session without a lookup, and an id cannot be
// forged or moved to another project without the secret.
//
// Thread-safe after construction (immutable).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ingest {

inline constexpr size_t kMaxProjectIdLength = 64;
inline constexpr size_t kMaxSessionIdLength = kMaxProjectIdLength + 1 + 32 + 1 + 32;

// OK if `project_id` is 1..64 of [A-Za-z0-9_-].
absl::Status ValidateProjectId(absl::string_view project_id);

class SessionIds {
 public:
  // `secret` must be at least 16 bytes.
  explicit SessionIds(std::string secret) : secret_(std::move(secret)) {}

  // Reads the secret from a file (surrounding whitespace ignored).
  static absl::StatusOr<SessionIds> LoadSecretFile(const std::string& path);

  // A new random session id of `project_id` (which must be valid).
  std::string New(absl::string_view project_id) const;

  // The project of `session_id`: INVALID_ARGUMENT if it is malformed,
  // PERMISSION_DENIED if this deployment did not issue it.
  absl::StatusOr<std::string> ProjectOf(absl::string_view session_id) const;

  // OK if `session_id` is valid and belongs to `project_id`;
  // PERMISSION_DENIED if it belongs to another project.
  absl::Status CheckOwnedBy(absl::string_view session_id, absl::string_view project_id) const;

 private:
  std::string Tag(absl::string_view signed_part) const;

  std::string secret_;
};

}  // namespace ingest
