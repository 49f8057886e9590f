#pragma once

// PayloadStreamCall: one PushPayloadStream call (client streaming).
//
// The header is validated and charged to the project's rate limit; then the
// content is cut into chunk records (StreamChunker) and each is produced as
// soon as it is complete. Memory is bounded by flow control: the next
// message is read only while fewer than `max_inflight_chunks` chunks wait
// for Kafka, so the call holds at most that many chunks plus one message.
//
// ZSTD-labelled content is checked as it passes (StreamContentValidator:
// valid zstd in every field, within --max_decompressed_bytes), without
// holding it.
//
// The last chunk is what completes the payload downstream, so it is
// produced only after the client's half-close was read and the size, the
// zstd check, and the SHA-256 it carries (against the header's, if given)
// passed. A stream answered with an error never produces its last chunk.
//
// It answers OK only when every chunk is acknowledged. On any failure it
// stops reading, waits for its in-flight chunks' reports, and answers with
// the error; so no delivery callback outlives the reactor.
//
// Threads: gRPC threads (OnReadDone, OnCancel) and the Kafka delivery
// thread; all state is guarded by mutex_.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ingest/v1/ingest.grpc.pb.h"
#include "services/common/payload/stored_form.h"
#include "services/gateway/auth/api_key_store.h"
#include "services/gateway/fact_extraction.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/rejections.h"
#include "services/gateway/request_validation.h"
#include "services/gateway/session_id.h"
#include "services/gateway/stream_chunker.h"
#include "services/gateway/stream_content_validator.h"
#include "services/gateway/task_builder.h"
#include "services/gateway/task_publisher.h"

namespace ingest {

struct PayloadStreamOptions {
  std::string gateway_id;
  RequestLimits limits;
  int64_t chunk_bytes = 1 << 20;
  int max_inflight_chunks = 4;
  int zstd_level = kDefaultStoredZstdLevel;
  // Streams up to this size keep their content to read its facts at the
  // end (fact_extraction.h); larger ones are stored with unparsed facts.
  int64_t facts_max_stream_bytes = 8 << 20;
};

class PayloadStreamCall final : public grpc::ServerReadReactor<v1::PushPayloadStreamRequest> {
 public:
  // `refused`: the call was refused before it began (the peer's call rate);
  // it is answered with that and reads nothing.
  PayloadStreamCall(grpc::CallbackServerContext* context, v1::PushPayloadStreamResponse* response,
                    PayloadStreamOptions options, TaskPublisher& publisher, GatewayMetrics& metrics,
                    Rejections& rejections, const LiveApiKeys& keys, const SessionIds& session_ids,
                    std::optional<Refusal> refused = std::nullopt);

  void OnReadDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // One message read (ok) or the client's end of the stream (!ok).
  void HandleRead(bool ok) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void HandleMessage() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The client half-closed: checks the size and releases the last chunk.
  void HandleClientDone() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void HandleHeader(const v1::PayloadStreamHeader& header) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Produces ready chunks while the in-flight window allows.
  void ProduceReadyChunks() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void OnChunkDelivered(absl::StatusOr<RecordPosition> result);
  // Reads on when the window has room and nothing is held back.
  void MaybeReadNext() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void Fail(absl::Status status, absl::Duration retry_after = absl::ZeroDuration())
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Fail() for a refused call: recorded (metric and rate-limited log) as a
  // rejection for `reason`.
  void Reject(absl::string_view reason, absl::Status status,
              absl::Duration retry_after = absl::ZeroDuration())
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Reject() for an invalid message or content (invalid_argument, or
  // permission_denied for a session id of another project or deployment).
  void RejectContent(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The answer, once nothing is in flight and the outcome is known (then
  // only once). The caller passes it to Finish() after releasing mutex_:
  // Finish() lets gRPC run OnDone(), which deletes this call and its mutex,
  // on another thread at once.
  std::optional<grpc::Status> TakeAnswer() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  grpc::CallbackServerContext* const context_;
  v1::PushPayloadStreamResponse* const response_;
  const PayloadStreamOptions options_;
  TaskPublisher& publisher_;
  GatewayMetrics& metrics_;
  Rejections& rejections_;
  const SessionIds& session_ids_;
  const absl::Time start_;

  absl::Mutex mutex_;
  v1::PushPayloadStreamRequest request_ ABSL_GUARDED_BY(mutex_);
  std::string project_ ABSL_GUARDED_BY(mutex_);
  CallInfo call_info_ ABSL_GUARDED_BY(mutex_);
  std::optional<v1::PayloadStreamHeader> header_ ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<StreamChunker> chunker_ ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<StreamFactsCollector> facts_ ABSL_GUARDED_BY(mutex_);
  // Set for ZSTD-labelled content only.
  std::unique_ptr<StreamContentValidator> content_validator_ ABSL_GUARDED_BY(mutex_);
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);
  int in_flight_ ABSL_GUARDED_BY(mutex_) = 0;
  uint32_t acknowledged_ ABSL_GUARDED_BY(mutex_) = 0;
  bool read_pending_ ABSL_GUARDED_BY(mutex_) = false;
  bool client_done_ ABSL_GUARDED_BY(mutex_) = false;
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace ingest
