#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "tools/loadgen/ingest_client.h"

namespace ingest::loadgen {

// An IngestClient over `channel` with the synchronous gRPC stub. Every call
// gets `call_timeout` as its deadline; grpc::Status maps to absl::Status with
// the same canonical code. Thread-safe (the stub and channel are).
std::unique_ptr<IngestClient> CreateGrpcIngestClient(
    std::shared_ptr<grpc::Channel> channel, absl::Duration call_timeout,
    std::string api_key);

// An insecure channel to the gateway at `address` (HOST:PORT).
std::shared_ptr<grpc::Channel> CreateGatewayChannel(
    const std::string& address);

// Waits until `channel` is connected, at most `timeout`; UNAVAILABLE if not.
absl::Status WaitForConnected(grpc::Channel& channel, absl::Duration timeout);

}  // namespace ingest::loadgen
