#include "tools/bench/stream_push.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/support/client_callback.h"

namespace ingest::bench {
namespace {

// Writes the header, then each chunk from OnWriteDone, then WritesDone.
// Threads: gRPC's callback threads; the caller waits in Await().
class StreamWriter final : public grpc::ClientWriteReactor<v1::PushPayloadStreamRequest> {
 public:
  StreamWriter(const StreamContent& content, const StreamPushOptions& options,
               std::atomic<int64_t>* bytes_sent)
      : content_(content), options_(options), bytes_sent_(bytes_sent) {}

  void Start(GatewayClient& client) {
    client.Prepare(context_, options_.timeout);
    client.stub(0).async()->PushPayloadStream(&context_, &response_, this);
    v1::PayloadStreamHeader* header = request_.mutable_header();
    header->set_session_id(options_.session_id);
    header->set_payload_id(options_.payload_id);
    header->set_content_encoding(v1::CONTENT_ENCODING_IDENTITY);
    header->set_total_bytes(static_cast<uint64_t>(content_.total_bytes()));
    if (!options_.sha256.empty()) header->set_sha256(options_.sha256);
    StartWrite(&request_);
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    // Not ok: the call is over (the gateway refused or failed); OnDone says why.
    if (!ok) return;
    if (offset_ >= content_.total_bytes()) {
      StartWritesDone();
      return;
    }
    const int64_t n = std::min(options_.chunk_bytes, content_.total_bytes() - offset_);
    std::string* chunk = request_.mutable_chunk();
    chunk->clear();
    content_.Append(offset_, n, chunk);
    offset_ += n;
    if (bytes_sent_ != nullptr) bytes_sent_->store(offset_);
    StartWrite(&request_);
  }

  void OnDone(const grpc::Status& status) override {
    status_ = status;
    done_.Notify();
  }

  absl::StatusOr<v1::PushPayloadStreamResponse> Await() {
    done_.WaitForNotification();
    if (!status_.ok()) {
      return FromGrpc(status_, absl::StrCat("PushPayloadStream (", offset_, " of ",
                                            content_.total_bytes(), " bytes sent)"));
    }
    return response_;
  }

 private:
  const StreamContent& content_;
  const StreamPushOptions& options_;
  std::atomic<int64_t>* const bytes_sent_;
  grpc::ClientContext context_;
  v1::PushPayloadStreamRequest request_;
  v1::PushPayloadStreamResponse response_;
  int64_t offset_ = 0;  // only touched from OnWriteDone, one at a time
  grpc::Status status_;
  absl::Notification done_;
};

}  // namespace

absl::StatusOr<v1::PushPayloadStreamResponse> PushStream(GatewayClient& client,
                                                         const StreamContent& content,
                                                         const StreamPushOptions& options,
                                                         std::atomic<int64_t>* bytes_sent) {
  if (options.chunk_bytes < 1) return absl::InvalidArgumentError("chunk_bytes must be positive");
  StreamWriter writer(content, options, bytes_sent);
  writer.Start(client);
  return writer.Await();
}

}  // namespace ingest::bench
