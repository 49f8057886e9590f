#include "services/gateway/rejections.h"

#include <string>

#include "services/common/logging/log.h"

namespace ingest {
namespace {

// Errors can quote client input (a field's size, a project id): bounded.
constexpr size_t kMaxErrorBytes = 300;

}  // namespace

void Rejections::Record(absl::string_view reason, absl::string_view rpc, absl::string_view peer,
                        absl::string_view project, const absl::Status& status) {
  metrics_.Rejected(reason);
  const std::optional<int64_t> suppressed = limiter_.Admit(reason);
  if (!suppressed.has_value()) return;
  log::Warn("gateway.rejected", {{"rpc", rpc},
                                 {"reason", reason},
                                 {"peer", peer},
                                 {"project", project},
                                 {"code", absl::StatusCodeToString(status.code())},
                                 {"error", status.message().substr(0, kMaxErrorBytes)},
                                 {"suppressed", *suppressed}});
}

absl::string_view Rejections::ReasonOf(const absl::Status& status) {
  return status.code() == absl::StatusCode::kPermissionDenied ? "permission_denied"
                                                              : "invalid_argument";
}

absl::string_view Rejections::ReasonOfAuthentication(const absl::Status& status) {
  return status.code() == absl::StatusCode::kPermissionDenied ? "key_disabled" : "unauthenticated";
}

}  // namespace ingest
