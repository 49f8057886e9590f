#pragma once

// FakeGateway: an in-process ingest.v1.Ingest server on 127.0.0.1:0 for the
// SDK's tests. Each RPC answers from a script (status, message, trailing
// metadata such as retry-after-ms), then OK once the script is used up, and
// every request it saw is recorded — a stream reassembled from its chunks —
// so tests assert what the client sent on each attempt.
//
// Payload calls can be held (Hold(true)) to keep them in flight while a
// test fills the client's async budget.
//
// Thread-safe: gRPC's server threads answer; tests read from theirs.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server.h"
#include "ingest/v1/ingest.grpc.pb.h"

namespace ingest::client::testing {

struct Reply {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  std::vector<std::pair<std::string, std::string>> trailers;
};

// Convenience: RESOURCE_EXHAUSTED with the gateway's two pushback entries.
Reply Pushback(int64_t milliseconds);

struct RecordedCall {
  std::string rpc;
  std::string authorization;
  // Unary: the serialized request. Stream: the serialized header message.
  std::string request_bytes;
  std::string session_id;
  uint64_t payload_id = 0;
  // Payloads: the serialized PayloadContent (a stream's chunks, joined).
  std::string content;
  std::string sha256;      // a stream header's
  int chunk_messages = 0;  // a stream's
  bool half_closed = false;
};

class FakeGateway final : public v1::Ingest::Service {
 public:
  // Plaintext, or `credentials` (TLS tests).
  static std::unique_ptr<FakeGateway> Start(
      std::shared_ptr<grpc::ServerCredentials> credentials = nullptr);
  ~FakeGateway() override;

  const std::string& address() const { return address_; }

  // Answers the next calls of `rpc` ("PushPayload", "PushPayloadStream",
  // "InitializeSession", ...) with `replies`, in order.
  void Script(const std::string& rpc, std::vector<Reply> replies);

  std::vector<RecordedCall> calls(const std::string& rpc) const;
  std::vector<RecordedCall> all_calls() const;

  // While held, payload calls (unary and stream) wait before answering.
  void Hold(bool hold);
  int held_calls() const;

  grpc::Status InitializeSession(grpc::ServerContext* context,
                                 const v1::InitializeSessionRequest* request,
                                 v1::InitializeSessionResponse* response) override;
  grpc::Status PushPayload(grpc::ServerContext* context, const v1::PushPayloadRequest* request,
                           v1::PushPayloadResponse* response) override;
  grpc::Status PushPayloadStream(grpc::ServerContext* context,
                                 grpc::ServerReader<v1::PushPayloadStreamRequest>* reader,
                                 v1::PushPayloadStreamResponse* response) override;
  grpc::Status IdentifySession(grpc::ServerContext* context,
                               const v1::IdentifySessionRequest* request,
                               v1::IdentifySessionResponse* response) override;
  grpc::Status AddSessionProperties(grpc::ServerContext* context,
                                    const v1::AddSessionPropertiesRequest* request,
                                    v1::AddSessionPropertiesResponse* response) override;
  grpc::Status AddSessionFeedback(grpc::ServerContext* context,
                                  const v1::AddSessionFeedbackRequest* request,
                                  v1::AddSessionFeedbackResponse* response) override;
  grpc::Status PushBackendErrors(grpc::ServerContext* context,
                                 const v1::PushBackendErrorsRequest* request,
                                 v1::PushBackendErrorsResponse* response) override;
  grpc::Status PushMetrics(grpc::ServerContext* context, const v1::PushMetricsRequest* request,
                           v1::PushMetricsResponse* response) override;

 private:
  FakeGateway() = default;

  // Records `call` and returns the scripted answer (trailers set on `context`).
  grpc::Status Answer(grpc::ServerContext* context, RecordedCall call);
  void WaitWhileHeld();

  std::unique_ptr<grpc::Server> server_;
  std::string address_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::deque<Reply>> scripts_ ABSL_GUARDED_BY(mu_);
  std::vector<RecordedCall> calls_ ABSL_GUARDED_BY(mu_);
  int64_t next_offset_ ABSL_GUARDED_BY(mu_) = 0;
  int next_session_ ABSL_GUARDED_BY(mu_) = 0;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  int held_ ABSL_GUARDED_BY(mu_) = 0;
};

// "127.0.0.1:PORT" of a loopback port nothing listens on (bound, then
// closed): a dead gateway for failover and give-up tests.
std::string UnusedLoopbackAddress();

}  // namespace ingest::client::testing
