#pragma once

// Project API keys, loaded from a file (in Kubernetes: a mounted Secret).
//
// File format, one key per line: `<project_id> <api_key>`; blank lines and
// lines starting with '#' are ignored; a project may have several keys (for
// rotation). Only SHA-256 digests of the keys are kept in memory.
//
// Thread-safe after construction (immutable).

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth/live_secrets.h"

namespace ingest {

class ApiKeyStore {
 public:
  static absl::StatusOr<ApiKeyStore> LoadFile(const std::string& path);
  static absl::StatusOr<ApiKeyStore> Parse(absl::string_view text, absl::string_view origin);

  // The project of `api_key`, or UNAUTHENTICATED.
  absl::StatusOr<std::string> ProjectOf(absl::string_view api_key) const;

  // The project for an `authorization` metadata value ("Bearer <key>"), or
  // UNAUTHENTICATED with what to send.
  absl::StatusOr<std::string> Authenticate(absl::string_view authorization) const;

  size_t size() const { return projects_by_digest_.size(); }

 private:
  absl::flat_hash_map<std::string, std::string> projects_by_digest_;
};

// The API keys in force, replaced whole when --api_keys_file changes.
using LiveApiKeys = LiveSecrets<ApiKeyStore>;

}  // namespace ingest
