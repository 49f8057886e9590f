#include "client/cpp/stream_attempt.h"

#include <algorithm>
#include <utility>

#include "grpcpp/support/client_callback.h"

namespace ingest::client {
namespace {

// Threads: gRPC's callback threads, one reaction at a time.
class StreamAttempt final : public grpc::ClientWriteReactor<v1::PushPayloadStreamRequest> {
 public:
  StreamAttempt(std::shared_ptr<const EncodedPayload> payload, std::string sha256,
                int64_t chunk_bytes, StreamAttemptDone done)
      : payload_(std::move(payload)),
        chunk_bytes_(static_cast<size_t>(chunk_bytes)),
        done_(std::move(done)) {
    request_ = StreamHeader(*payload_, std::move(sha256));
  }

  void Start(v1::Ingest::Stub& stub, grpc::ClientContext* context) {
    stub.async()->PushPayloadStream(context, &response_, this);
    StartWrite(&request_);
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return;  // the call is over; OnDone says how
    const std::string& content = *payload_->content;
    if (offset_ >= content.size()) {
      StartWritesDone();
      return;
    }
    const size_t n = std::min(chunk_bytes_, content.size() - offset_);
    request_.set_chunk(content.data() + offset_, n);
    offset_ += n;
    StartWrite(&request_);
  }

  void OnDone(const grpc::Status& status) override {
    std::move(done_)(status, response_);
    delete this;
  }

 private:
  const std::shared_ptr<const EncodedPayload> payload_;
  const size_t chunk_bytes_;
  StreamAttemptDone done_;
  v1::PushPayloadStreamRequest request_;
  v1::PushPayloadStreamResponse response_;
  size_t offset_ = 0;
};

}  // namespace

void StartStreamAttempt(v1::Ingest::Stub& stub, grpc::ClientContext* context,
                        std::shared_ptr<const EncodedPayload> payload, std::string sha256,
                        int64_t chunk_bytes, StreamAttemptDone done) {
  (new StreamAttempt(std::move(payload), std::move(sha256), chunk_bytes, std::move(done)))
      ->Start(stub, context);
}

}  // namespace ingest::client
