#include "services/gateway/retry_pushback.h"

#include <algorithm>

namespace ingest {

std::string RetryPushbackValue(absl::Duration retry_after) {
  // Up: waiting exactly this long must be enough.
  return std::to_string(std::max<int64_t>(
      1, absl::ToInt64Milliseconds(absl::Ceil(retry_after, absl::Milliseconds(1)))));
}

void AddRetryPushback(grpc::ServerContextBase& context, absl::Duration retry_after) {
  if (retry_after <= absl::ZeroDuration()) return;
  const std::string value = RetryPushbackValue(retry_after);
  context.AddTrailingMetadata(std::string(kRetryAfterMetadata), value);
  context.AddTrailingMetadata(std::string(kGrpcRetryPushbackMetadata), value);
}

}  // namespace ingest
