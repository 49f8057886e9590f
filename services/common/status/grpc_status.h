#pragma once

// absl::Status -> grpc::Status, used only by the gRPC service adapters.
// The canonical codes share numbering, so the mapping keeps code and message.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace ingest {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace ingest
