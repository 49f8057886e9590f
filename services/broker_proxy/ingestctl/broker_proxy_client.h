#pragma once

// The narrow interface ingestctl's commands call: one method per RPC of
// service BrokerProxy (proto/ingest/v1/admin.proto). The real implementation
// wraps the generated stub (grpc_broker_proxy_client.h); tests use
// FakeBrokerProxyClient. Errors are the server's status (gRPC and absl share
// the canonical codes), message unchanged.

#include "absl/status/statusor.h"
#include "ingest/v1/admin.pb.h"

namespace ingest::ingestctl {

namespace v1 = ::ingest::v1;

// Implementations are used from one thread.
class BrokerProxyClient {
 public:
  virtual ~BrokerProxyClient() = default;

  virtual absl::StatusOr<v1::EnsureTopicsResponse> EnsureTopics(
      const v1::EnsureTopicsRequest& request) = 0;
  virtual absl::StatusOr<v1::DescribeTopicResponse> DescribeTopic(
      const v1::DescribeTopicRequest& request) = 0;
  virtual absl::StatusOr<v1::GetConsumerLagResponse> GetConsumerLag(
      const v1::GetConsumerLagRequest& request) = 0;
  virtual absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const v1::ListDeadLettersRequest& request) = 0;
  virtual absl::StatusOr<v1::RedriveSessionResponse> RedriveSession(
      const v1::RedriveSessionRequest& request) = 0;
  virtual absl::StatusOr<v1::ReplaySessionResponse> ReplaySession(
      const v1::ReplaySessionRequest& request) = 0;
  virtual absl::StatusOr<v1::ResetOffsetsResponse> ResetOffsets(
      const v1::ResetOffsetsRequest& request) = 0;
  virtual absl::StatusOr<v1::GetSessionResponse> GetSession(
      const v1::GetSessionRequest& request) = 0;
  virtual absl::StatusOr<v1::ListSessionsResponse> ListSessions(
      const v1::ListSessionsRequest& request) = 0;
  virtual absl::StatusOr<v1::EraseSessionsResponse> EraseSessions(
      const v1::EraseSessionsRequest& request) = 0;
  virtual absl::StatusOr<v1::EnforceRetentionResponse> EnforceRetention(
      const v1::EnforceRetentionRequest& request) = 0;
};

}  // namespace ingest::ingestctl
