#pragma once

// The gRPC side of one attempt, as the SDK sees it: the status (gRPC and
// absl share the canonical codes) and the wait the gateway asked for in its
// trailing metadata (`retry-after-ms`, and gRPC's standard
// `grpc-retry-pushback-ms`; proto/ingest/v1/RETRY.md).

#include <map>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/string_ref.h"

namespace ingest::client {

absl::Status ToAbslStatus(const grpc::Status& status);

// The longer of the two pushback entries, if either holds a whole number of
// milliseconds >= 0. Invalid or negative values are ignored (gRFC A6 gives a
// negative pushback the meaning "do not retry"; the gateway never sends one,
// and the contract's classification of the status decides that instead).
std::optional<absl::Duration> PushbackFromTrailers(
    const std::multimap<grpc::string_ref, grpc::string_ref>& trailers);

// What one attempt saw.
struct AttemptResult {
  absl::Status status;
  std::optional<absl::Duration> pushback;
};

}  // namespace ingest::client
