#pragma once

// Session ids: "<project_id>.<32 lowercase hex random>".
//
// The project is part of the id so the stateless gateway can tell which
// project a session belongs to without a lookup. (The signature that makes
// the binding tamper-proof arrives with authentication.)

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ingest {

inline constexpr size_t kMaxProjectIdLength = 64;
inline constexpr size_t kMaxSessionIdLength = kMaxProjectIdLength + 1 + 32;

// OK if `project_id` is 1..64 of [A-Za-z0-9_-].
absl::Status ValidateProjectId(absl::string_view project_id);

// A new random session id of `project_id` (which must be valid).
std::string NewSessionId(absl::string_view project_id);

// The project of a well-formed session id; INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> ProjectOfSessionId(absl::string_view session_id);

}  // namespace ingest
