#pragma once

// IngestService: the gRPC adapter of ingest.v1.Ingest on the callback API.
// No thread waits while Kafka acknowledges: each unary call returns a
// UnaryCall reactor at once and is finished from delivery callbacks (or its
// deadline-derived alarm); the stream is a PayloadStreamCall.
//
// It authenticates, converts metadata and statuses, and calls the pieces
// that know no gRPC: request_validation, task_builder, TaskPublisher.
// Thread-safe (immutable after construction).

#include <optional>
#include <string>
#include <vector>

#include "ingest/v1/ingest.grpc.pb.h"
#include "services/common/payload/stored_form.h"
#include "services/gateway/auth/api_key_store.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/limits/peer_rate_limiter.h"
#include "services/gateway/rejections.h"
#include "services/gateway/request_validation.h"
#include "services/gateway/session_id.h"
#include "services/gateway/task_builder.h"
#include "services/gateway/task_publisher.h"
#include "services/gateway/unary_call.h"

namespace ingest {

struct IngestServiceOptions {
  std::string gateway_id;
  RequestLimits limits;
  // How long a call waits for Kafka at most (shortened by its deadline).
  absl::Duration delivery_timeout = absl::Seconds(10);
  // Streamed payloads: chunk record size and chunks in flight per stream.
  int64_t stream_chunk_bytes = 1 << 20;
  int stream_max_inflight_chunks = 4;
  // See PayloadStreamOptions::facts_max_stream_bytes.
  int64_t facts_max_stream_bytes = 8 << 20;
  // zstd level of identity payload content (compressed once, here).
  int payload_zstd_level = kDefaultStoredZstdLevel;
};

// PushPayload is served on raw bytes (see PushPayload below); the other
// RPCs are typed.
using IngestServiceBase = v1::Ingest::WithRawCallbackMethod_PushPayload<v1::Ingest::CallbackService>;

class IngestService final : public IngestServiceBase {
 public:
  // Every collaborator must outlive the service.
  // `peer_rate` (null: none) limits the calls each client address starts.
  IngestService(IngestServiceOptions options, TaskPublisher& publisher, GatewayMetrics& metrics,
                const LiveApiKeys& keys, const SessionIds& session_ids,
                PeerRateLimiter* peer_rate = nullptr)
      : options_(std::move(options)),
        publisher_(publisher),
        metrics_(metrics),
        keys_(keys),
        session_ids_(session_ids),
        peer_rate_(peer_rate),
        rejections_(metrics) {}

  grpc::ServerUnaryReactor* InitializeSession(grpc::CallbackServerContext* context,
                                              const v1::InitializeSessionRequest* request,
                                              v1::InitializeSessionResponse* response) override;
  // On the serialized request (a PushPayloadRequest), so that a payload over
  // the size limit is refused without being parsed.
  grpc::ServerUnaryReactor* PushPayload(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerReadReactor<v1::PushPayloadStreamRequest>* PushPayloadStream(
      grpc::CallbackServerContext* context, v1::PushPayloadStreamResponse* response) override;
  grpc::ServerUnaryReactor* IdentifySession(grpc::CallbackServerContext* context,
                                            const v1::IdentifySessionRequest* request,
                                            v1::IdentifySessionResponse* response) override;
  grpc::ServerUnaryReactor* AddSessionProperties(grpc::CallbackServerContext* context,
                                                 const v1::AddSessionPropertiesRequest* request,
                                                 v1::AddSessionPropertiesResponse* response) override;
  grpc::ServerUnaryReactor* AddSessionFeedback(grpc::CallbackServerContext* context,
                                               const v1::AddSessionFeedbackRequest* request,
                                               v1::AddSessionFeedbackResponse* response) override;
  grpc::ServerUnaryReactor* PushBackendErrors(grpc::CallbackServerContext* context,
                                              const v1::PushBackendErrorsRequest* request,
                                              v1::PushBackendErrorsResponse* response) override;
  grpc::ServerUnaryReactor* PushMetrics(grpc::CallbackServerContext* context,
                                        const v1::PushMetricsRequest* request,
                                        v1::PushMetricsResponse* response) override;

 private:
  // A refusal if `peer` is over its call rate (RESOURCE_EXHAUSTED with when
  // to retry; reason peer_rate).
  std::optional<Refusal> ChargePeer(const std::string& peer);
  // Checks the request's size (`request_bytes`) and `validate`, builds the
  // tasks with `build`, admits and produces them; `fill` writes the
  // response once all are acknowledged.
  template <typename Validate, typename Build>
  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context, const char* rpc,
                                   size_t request_bytes, Validate validate, Build build,
                                   FillResponse fill);

  // Admits and produces `tasks` for `call`.
  void Publish(UnaryCall* call, const char* rpc, const std::string& peer,
               const std::string& project, std::vector<v1::Task> tasks, FillResponse fill);

  const IngestServiceOptions options_;
  TaskPublisher& publisher_;
  GatewayMetrics& metrics_;
  const LiveApiKeys& keys_;
  const SessionIds& session_ids_;
  PeerRateLimiter* const peer_rate_;
  Rejections rejections_;
};

// The call's metadata the tasks record (peer, user agent, trace).
CallInfo CallInfoOf(const grpc::CallbackServerContext& context, const std::string& gateway_id);
// The client's address ("10.0.0.1", "::1"); empty if not an IP peer.
std::string PeerIpOf(const grpc::CallbackServerContext& context);
}  // namespace ingest
