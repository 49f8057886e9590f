#include "client/cpp/call_status.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace ingest::client {

absl::Status ToAbslStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::optional<absl::Duration> PushbackFromTrailers(
    const std::multimap<grpc::string_ref, grpc::string_ref>& trailers) {
  std::optional<absl::Duration> longest;
  for (const absl::string_view key : {"retry-after-ms", "grpc-retry-pushback-ms"}) {
    const auto [begin, end] = trailers.equal_range(grpc::string_ref(key.data(), key.size()));
    for (auto it = begin; it != end; ++it) {
      int64_t ms = 0;
      if (!absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &ms) ||
          ms < 0) {
        continue;
      }
      longest = std::max(longest.value_or(absl::ZeroDuration()), absl::Milliseconds(ms));
    }
  }
  return longest;
}

}  // namespace ingest::client
