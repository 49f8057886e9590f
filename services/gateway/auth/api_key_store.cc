#include "services/gateway/auth/api_key_store.h"

#include <type_traits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
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

namespace {

// "name=VALUE" with a positive number, into `out`; an error naming the field.
template <typename T>
absl::Status ParseLimit(absl::string_view field, absl::string_view name, std::optional<T>& out) {
  absl::string_view value = field.substr(name.size() + 1);
  T parsed{};
  bool ok = false;
  if constexpr (std::is_same_v<T, double>) {
    ok = absl::SimpleAtod(value, &parsed);
  } else {
    ok = absl::SimpleAtoi(value, &parsed);
  }
  if (!ok || !(parsed > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(name, " wants a positive number"));
  }
  out = parsed;
  return absl::OkStatus();
}

// "retention_days=N", whole days within the allowed range, into `out`.
absl::Status ParseRetentionDays(absl::string_view field, std::optional<int>& out) {
  int days = 0;
  if (!absl::SimpleAtoi(field.substr(field.find('=') + 1), &days) || days < kMinRetentionDays ||
      days > kMaxRetentionDays) {
    return absl::InvalidArgumentError(absl::StrCat("retention_days wants whole days from ",
                                                   kMinRetentionDays, " to ", kMaxRetentionDays,
                                                   " (e.g. retention_days=30)"));
  }
  out = days;
  return absl::OkStatus();
}

// The options after `<project_id> <api_key>`.
absl::Status ParseOptions(absl::Span<const absl::string_view> fields, bool& disabled,
                          ProjectLimits& limits) {
  for (absl::string_view field : fields) {
    if (field == "disabled") {
      disabled = true;
    } else if (absl::StartsWith(field, "rate_bytes_per_second=")) {
      RETURN_IF_ERROR(ParseLimit(field, "rate_bytes_per_second", limits.rate_bytes_per_second));
    } else if (absl::StartsWith(field, "burst_bytes=")) {
      RETURN_IF_ERROR(ParseLimit(field, "burst_bytes", limits.burst_bytes));
    } else if (absl::StartsWith(field, "inflight_bytes=")) {
      RETURN_IF_ERROR(ParseLimit(field, "inflight_bytes", limits.inflight_bytes));
    } else if (absl::StartsWith(field, "retention_days=")) {
      RETURN_IF_ERROR(ParseRetentionDays(field, limits.retention_days));
    } else {
      // Never echo the field: a key pasted in the wrong place is a secret.
      return absl::InvalidArgumentError(
          "unknown option (want disabled, rate_bytes_per_second=N, burst_bytes=N, "
          "inflight_bytes=N or retention_days=N)");
    }
  }
  return absl::OkStatus();
}

// Adds `line`'s limits to the project's `merged`; the name of the first
// one given twice with two values, or null.
const char* MergeLimits(const ProjectLimits& line, ProjectLimits& merged) {
  const char* differs = nullptr;
  const auto merge = [&differs](const char* name, const auto& given, auto& into) {
    if (differs != nullptr || !given.has_value()) return;
    if (into.has_value() && *into != *given) {
      differs = name;
      return;
    }
    into = given;
  };
  merge("rate_bytes_per_second", line.rate_bytes_per_second, merged.rate_bytes_per_second);
  merge("burst_bytes", line.burst_bytes, merged.burst_bytes);
  merge("inflight_bytes", line.inflight_bytes, merged.inflight_bytes);
  merge("retention_days", line.retention_days, merged.retention_days);
  return differs;
}

}  // namespace

absl::StatusOr<ApiKeyStore> ApiKeyStore::Parse(absl::string_view text, absl::string_view origin) {
  ApiKeyStore store;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const auto error = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ":", line_number, ": ", what));
    };
    if (fields.size() < 2) return error("expected `<project_id> <api_key> [options]`");
    if (absl::Status status = ValidateProjectId(fields[0]); !status.ok()) {
      return error(status.message());
    }
    if (fields[1].size() < 16) return error("API key shorter than 16 characters");
    Key key{.project = std::string(fields[0])};
    ProjectLimits limits;
    if (absl::Status status =
            ParseOptions(absl::MakeConstSpan(fields).subspan(2), key.disabled, limits);
        !status.ok()) {
      return error(status.message());
    }
    if (const char* differs = MergeLimits(limits, store.limits_by_project_[key.project])) {
      return error(absl::StrCat(differs, " differs from an earlier line of project ", key.project,
                                ": give it once, or the same on every line"));
    }
    if (!store.projects_by_digest_.emplace(Sha256(fields[1]), std::move(key)).second) {
      return error("duplicate API key");
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
  if (it->second.disabled) {
    return absl::PermissionDeniedError(
        absl::StrCat("this API key of project ", it->second.project,
                     " is disabled: use another key of the project (ask its owner for one)"));
  }
  return it->second.project;
}

absl::StatusOr<std::string> ApiKeyStore::Authenticate(absl::string_view authorization) const {
  absl::StatusOr<absl::string_view> key =
      BearerCredential(authorization, "API key", "project API key");
  if (!key.ok()) return key.status();
  return ProjectOf(*key);
}

ProjectLimits ApiKeyStore::LimitsOf(absl::string_view project) const {
  auto it = limits_by_project_.find(project);
  return it == limits_by_project_.end() ? ProjectLimits{} : it->second;
}

}  // namespace ingest
