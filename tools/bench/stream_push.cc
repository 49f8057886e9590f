#include "tools/bench/stream_push.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/support/client_callback.h"

namespace ingest::bench {
namespace {

// Writes the header, then each chunk from OnWriteDone, then WritesDone.
// Owns itself: deleted in OnDone, after `done` ran.
// Threads: gRPC's callback threads, one callback at a time.
class StreamWriter final : public grpc::ClientWriteReactor<v1::PushPayloadStreamRequest> {
 public:
  StreamWriter(const StreamContent& content, StreamPushOptions options,
               std::atomic<int64_t>* bytes_sent, StreamDone done)
      : content_(content),
        options_(std::move(options)),
        bytes_sent_(bytes_sent),
        done_(std::move(done)) {}

  void Start(GatewayClient& client) {
    client.Prepare(context_, options_.timeout);
    client.stub(options_.channel).async()->PushPayloadStream(&context_, &response_, this);
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
    StreamOutcome outcome;
    if (status.ok()) {
      outcome.response = CheckedAnswer();
    } else {
      outcome.response = FromGrpc(status, absl::StrCat("PushPayloadStream (", offset_, " of ",
                                                       content_.total_bytes(), " bytes sent)"));
      outcome.retry_after = RetryAfter(context_);
    }
    std::move(done_)(std::move(outcome));
    delete this;
  }

 private:
  // The gateway's answer, or DATA_LOSS if it reports other bytes than were sent.
  absl::StatusOr<v1::PushPayloadStreamResponse> CheckedAnswer() const {
    const bool other_sha256 = !options_.sha256.empty() && !response_.sha256().empty() &&
                              response_.sha256() != options_.sha256;
    if (!other_sha256 && response_.total_bytes() == static_cast<uint64_t>(content_.total_bytes())) {
      return response_;
    }
    return absl::DataLossError(absl::StrCat(
        "PushPayloadStream: the gateway acknowledged ", response_.total_bytes(), " bytes",
        other_sha256 ? " with another SHA-256" : "", ", not the ", content_.total_bytes(),
        " sent"));
  }

  const StreamContent& content_;
  const StreamPushOptions options_;
  std::atomic<int64_t>* const bytes_sent_;
  StreamDone done_;
  grpc::ClientContext context_;
  v1::PushPayloadStreamRequest request_;
  v1::PushPayloadStreamResponse response_;
  int64_t offset_ = 0;  // only touched from OnWriteDone, one at a time
};

}  // namespace

void StartPushStream(GatewayClient& client, const StreamContent& content,
                     const StreamPushOptions& options, std::atomic<int64_t>* bytes_sent,
                     StreamDone done) {
  if (options.chunk_bytes < 1) {
    std::move(done)(StreamOutcome{absl::InvalidArgumentError("chunk_bytes must be positive"),
                                  std::nullopt});
    return;
  }
  (new StreamWriter(content, options, bytes_sent, std::move(done)))->Start(client);
}

absl::StatusOr<v1::PushPayloadStreamResponse> PushStream(GatewayClient& client,
                                                         const StreamContent& content,
                                                         const StreamPushOptions& options,
                                                         std::atomic<int64_t>* bytes_sent) {
  absl::Notification finished;
  absl::StatusOr<v1::PushPayloadStreamResponse> result;
  StartPushStream(client, content, options, bytes_sent, [&](StreamOutcome outcome) {
    result = std::move(outcome.response);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

}  // namespace ingest::bench
