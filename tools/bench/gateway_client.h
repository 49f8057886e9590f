#pragma once

// An asynchronous client of the gateway's Ingest service (gRPC callback API):
// several HTTP/2 connections, the API key on every call, and the session
// setup a benchmark needs.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "ingest/v1/ingest.grpc.pb.h"

namespace ingest::bench {

struct GatewayClientOptions {
  std::string address;  // HOST:PORT
  std::string api_key;  // sent as `authorization: Bearer <key>`
  // Separate connections (one HTTP/2 connection is served by one thread at a
  // time on each side; a few let both cores work).
  int channels = 4;
  absl::Duration call_timeout = absl::Seconds(30);
};

// Thread-safe (stubs and channels are).
class GatewayClient {
 public:
  // Opens the channels and waits until each is connected, at most `timeout`.
  static absl::StatusOr<std::unique_ptr<GatewayClient>> Connect(const GatewayClientOptions& options,
                                                                absl::Duration timeout);

  // The stub of connection `index % channels`.
  v1::Ingest::Stub& stub(int index) { return *stubs_[static_cast<size_t>(index) % stubs_.size()]; }

  // Sets the deadline (now + `timeout`) and the authorization metadata.
  void Prepare(grpc::ClientContext& context, absl::Duration timeout) const;
  void Prepare(grpc::ClientContext& context) const { Prepare(context, options_.call_timeout); }

  // `count` new sessions of `project_id`, created concurrently.
  // RESOURCE_EXHAUSTED and UNAVAILABLE (a gateway still reaching Kafka) are
  // retried until `timeout`; any other failure is returned.
  absl::StatusOr<std::vector<std::string>> InitializeSessions(int count,
                                                              const std::string& project_id,
                                                              absl::Duration timeout);

 private:
  explicit GatewayClient(GatewayClientOptions options);

  const GatewayClientOptions options_;
  const std::string authorization_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::Ingest::Stub>> stubs_;
};

// gRPC and absl share the canonical codes; `what` prefixes the message.
absl::Status FromGrpc(const grpc::Status& status, absl::string_view what);

// The `retry-after-ms` trailing metadata of a finished call, if present and
// valid.
std::optional<absl::Duration> RetryAfter(const grpc::ClientContext& context);

// How long a benchmark waits before retrying a call the gateway refused with
// RESOURCE_EXHAUSTED: its `retry-after-ms` (20 ms without one), clamped to
// [1 ms, 1 s].
absl::Duration BackpressureWait(std::optional<absl::Duration> retry_after);

}  // namespace ingest::bench
