#pragma once

// The pushback a refused call carries (proto/ingest/v1/RETRY.md): the
// gateway's own `retry-after-ms` and gRPC's standard `grpc-retry-pushback-ms`
// (gRFC A6, honoured by a stock retryPolicy), both in trailing metadata with
// the same value in whole milliseconds, rounded up, at least 1.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"

namespace ingest {

inline constexpr absl::string_view kRetryAfterMetadata = "retry-after-ms";
inline constexpr absl::string_view kGrpcRetryPushbackMetadata = "grpc-retry-pushback-ms";

// The value both entries carry for `retry_after` (> 0).
std::string RetryPushbackValue(absl::Duration retry_after);

// Adds both entries to `context`'s trailing metadata; nothing when
// `retry_after` is not positive.
void AddRetryPushback(grpc::ServerContextBase& context, absl::Duration retry_after);

}  // namespace ingest
