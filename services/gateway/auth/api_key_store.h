#pragma once

// Project API keys, loaded from a file (in Kubernetes: a mounted Secret).
//
// File format, one key per line:
//
//   <project_id> <api_key> [disabled] [rate_bytes_per_second=N] [burst_bytes=N]
//                          [inflight_bytes=N] [retention_days=N]
//
// Blank lines and lines starting with '#' are ignored; a project may have
// several keys (for rotation). `disabled` keeps a key known but refused
// (PERMISSION_DENIED, "disabled") instead of unknown. The limits are the
// project's (they override the gateway's --project_rate_* and bound the
// project's bytes waiting for Kafka on each replica); `retention_days`
// (whole days, kMinRetentionDays..kMaxRetentionDays) is how long the
// project's sessions are kept, stamped on its tasks (else the gateway's
// --default_retention_days). Each may be given on any of the project's
// lines, and where given twice it must agree. Only SHA-256 digests of the
// keys are kept in memory, and no error ever quotes a key.
//
// Thread-safe after construction (immutable).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth/live_secrets.h"

namespace ingest {

// The retention_days a keys file (and --default_retention_days) may give,
// and the default's default.
inline constexpr int kMinRetentionDays = 1;
inline constexpr int kMaxRetentionDays = 3650;
inline constexpr int kDefaultRetentionDays = 30;

// A project's own limits from the keys file; unset: the gateway's flags.
struct ProjectLimits {
  std::optional<double> rate_bytes_per_second;
  std::optional<double> burst_bytes;
  std::optional<int64_t> inflight_bytes;
  std::optional<int> retention_days;
  friend bool operator==(const ProjectLimits&, const ProjectLimits&) = default;
};

class ApiKeyStore {
 public:
  static absl::StatusOr<ApiKeyStore> LoadFile(const std::string& path);
  static absl::StatusOr<ApiKeyStore> Parse(absl::string_view text, absl::string_view origin);

  // The project of `api_key`; UNAUTHENTICATED if unknown, PERMISSION_DENIED
  // if disabled.
  absl::StatusOr<std::string> ProjectOf(absl::string_view api_key) const;

  // The project for an `authorization` metadata value ("Bearer <key>"), or
  // UNAUTHENTICATED with what to send.
  absl::StatusOr<std::string> Authenticate(absl::string_view authorization) const;

  // `project`'s limits from the file (all unset if it gives none).
  ProjectLimits LimitsOf(absl::string_view project) const;

  // Keys, disabled ones included.
  size_t size() const { return projects_by_digest_.size(); }

 private:
  struct Key {
    std::string project;
    bool disabled = false;
  };
  absl::flat_hash_map<std::string, Key> projects_by_digest_;
  absl::flat_hash_map<std::string, ProjectLimits> limits_by_project_;
};

// The API keys in force, replaced whole when --api_keys_file changes.
using LiveApiKeys = LiveSecrets<ApiKeyStore>;

}  // namespace ingest
