#include "services/gateway/payload_stream_call.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status/grpc_status.h"
#include "services/gateway/ingest_service.h"
#include "services/gateway/retry_pushback.h"

namespace ingest {

PayloadStreamCall::PayloadStreamCall(grpc::CallbackServerContext* context,
                                     v1::PushPayloadStreamResponse* response,
                                     PayloadStreamOptions options, TaskPublisher& publisher,
                                     GatewayMetrics& metrics, Rejections& rejections,
                                     const LiveApiKeys& keys, const SessionIds& session_ids,
                                     std::optional<Refusal> refused)
    : context_(context),
      response_(response),
      options_(std::move(options)),
      publisher_(publisher),
      metrics_(metrics),
      rejections_(rejections),
      session_ids_(session_ids),
      start_(absl::Now()) {
  metrics_.RequestStarted("PushPayloadStream");
  std::optional<grpc::Status> answer;
  {
    absl::MutexLock lock(&mutex_);
    absl::StatusOr<std::string> project =
        refused ? absl::StatusOr<std::string>(refused->status)
                : keys.Authenticate(MetadataValue(*context, "authorization"));
    if (refused) {
      Reject(refused->reason, refused->status, refused->retry_after);
    } else if (project.ok()) {
      project_ = *project;
      call_info_ = CallInfoOf(*context, options_.gateway_id);
      read_pending_ = true;
      StartRead(&request_);
    } else {
      Reject(Rejections::ReasonOfAuthentication(project.status()), project.status());
    }
    answer = TakeAnswer();
  }
  if (answer.has_value()) Finish(*answer);
}

void PayloadStreamCall::OnReadDone(bool ok) {
  std::optional<grpc::Status> answer;
  {
    absl::MutexLock lock(&mutex_);
    HandleRead(ok);
    answer = TakeAnswer();
  }
  if (answer.has_value()) Finish(*answer);
}

void PayloadStreamCall::HandleRead(bool ok) {
  read_pending_ = false;
  if (!failure_.ok() || finished_) return;
  if (!ok) {
    HandleClientDone();
    return;
  }
  HandleMessage();
  MaybeReadNext();
}

void PayloadStreamCall::HandleClientDone() {
  client_done_ = true;
  if (chunker_ == nullptr) {
    RejectContent(absl::InvalidArgumentError("stream ended before its header"));
    return;
  }
  if (absl::Status status = chunker_->Close(); !status.ok()) {
    RejectContent(status);
    return;
  }
  if (content_validator_ != nullptr) {
    if (absl::Status status = content_validator_->Finish(); !status.ok()) {
      RejectContent(status);
      return;
    }
  }
  ProduceReadyChunks();  // the last chunk, held until now
}

void PayloadStreamCall::HandleMessage() {
  if (absl::Status status =
          CheckRequestSize("PushPayloadStream", request_.ByteSizeLong(), options_.limits);
      !status.ok()) {
    RejectContent(status);
    return;
  }
  if (request_.has_header()) {
    HandleHeader(request_.header());
    return;
  }
  if (chunker_ == nullptr) {
    RejectContent(absl::InvalidArgumentError("the first message of the stream must be its header"));
    return;
  }
  if (absl::Status status = chunker_->Append(request_.chunk()); !status.ok()) {
    RejectContent(status);
    return;
  }
  facts_->Append(request_.chunk());
  if (content_validator_ != nullptr) {
    if (absl::Status status = content_validator_->Update(request_.chunk()); !status.ok()) {
      RejectContent(status);
      return;
    }
  }
  request_.clear_chunk();
  ProduceReadyChunks();
}

void PayloadStreamCall::HandleHeader(const v1::PayloadStreamHeader& header) {
  if (header_.has_value()) {
    RejectContent(absl::InvalidArgumentError("the stream sent a second header"));
    return;
  }
  if (absl::Status status = ValidateStreamHeader(header, options_.limits, session_ids_, project_);
      !status.ok()) {
    RejectContent(status);
    return;
  }
  if (std::optional<Refusal> refusal =
          publisher_.ChargeRate(project_, static_cast<int64_t>(header.total_bytes()))) {
    Reject(refusal->reason, refusal->status, refusal->retry_after);
    return;
  }
  header_ = header;
  chunker_ = std::make_unique<StreamChunker>(header.total_bytes(),
                                             static_cast<uint64_t>(options_.chunk_bytes));
  facts_ = std::make_unique<StreamFactsCollector>(header, options_.facts_max_stream_bytes);
  if (header.content_encoding() == v1::CONTENT_ENCODING_ZSTD) {
    content_validator_ =
        std::make_unique<StreamContentValidator>(options_.limits.max_decompressed_bytes);
  }
  metrics_.PayloadReceived(static_cast<int64_t>(header.total_bytes()));
}

void PayloadStreamCall::ProduceReadyChunks() {
  while (failure_.ok() && in_flight_ < options_.max_inflight_chunks && chunker_->HasChunk()) {
    Admission admission;
    if (std::optional<Refusal> refusal = publisher_.Reserve(
            project_,
            std::min<int64_t>(options_.chunk_bytes, static_cast<int64_t>(header_->total_bytes())),
            &admission)) {
      // With chunks of ours in flight, their acknowledgements free room:
      // hold the chunk and retry then. Otherwise the replica is saturated.
      if (in_flight_ == 0) Reject(refusal->reason, refusal->status, refusal->retry_after);
      return;
    }
    StreamChunker::Chunk chunk = chunker_->TakeChunk();
    if (chunk.last && !header_->sha256().empty() && header_->sha256() != chunk.sha256) {
      RejectContent(absl::InvalidArgumentError(
          "content does not match header.sha256: nothing of this payload was completed; "
          "resend it"));
      return;
    }
    if (chunk.last) response_->set_sha256(chunk.sha256);
    v1::Task task = BuildPayloadChunkTask(*header_, project_, call_info_, chunk.index,
                                          chunker_->chunk_count(), chunk.offset, chunk.data,
                                          std::move(chunk.sha256), options_.zstd_level);
    if (chunk.last) *task.mutable_payload()->mutable_facts() = facts_->Finish(metrics_);
    ++in_flight_;
    // The chunk's bytes stay reserved until its delivery report.
    DeliveryCallback done =
        [this, lease = std::move(admission.lease)](absl::StatusOr<RecordPosition> result) {
          OnChunkDelivered(std::move(result));
        };
    publisher_.Produce(admission, std::move(task), std::move(done));
  }
}

void PayloadStreamCall::OnChunkDelivered(absl::StatusOr<RecordPosition> result) {
  std::optional<grpc::Status> answer;
  {
    absl::MutexLock lock(&mutex_);
    --in_flight_;
    if (!result.ok()) {
      Fail(result.status());
    } else {
      ++acknowledged_;
      if (acknowledged_ == 1) {
        response_->set_partition(result->partition);
        response_->set_first_offset(result->offset);
      }
      response_->set_first_offset(std::min(response_->first_offset(), result->offset));
      response_->set_last_offset(std::max(response_->last_offset(), result->offset));
      ProduceReadyChunks();
      MaybeReadNext();
    }
    answer = TakeAnswer();
  }
  if (answer.has_value()) Finish(*answer);
}

void PayloadStreamCall::MaybeReadNext() {
  if (!failure_.ok() || finished_ || read_pending_ || client_done_) return;
  if (in_flight_ >= options_.max_inflight_chunks) return;
  if (chunker_ != nullptr && chunker_->HasChunk()) return;  // held back: wait for room
  read_pending_ = true;
  StartRead(&request_);
}

void PayloadStreamCall::Reject(absl::string_view reason, absl::Status status,
                               absl::Duration retry_after) {
  if (!failure_.ok() || finished_) return;
  rejections_.Record(reason, "PushPayloadStream", PeerIpOf(*context_), project_, status);
  Fail(std::move(status), retry_after);
}

void PayloadStreamCall::RejectContent(absl::Status status) {
  const absl::string_view reason = Rejections::ReasonOf(status);
  Reject(reason, std::move(status));
}

void PayloadStreamCall::Fail(absl::Status status, absl::Duration retry_after) {
  if (!failure_.ok() || finished_) return;
  AddRetryPushback(*context_, retry_after);
  failure_ = std::move(status);
}

void PayloadStreamCall::OnCancel() {
  std::optional<grpc::Status> answer;
  {
    absl::MutexLock lock(&mutex_);
    Fail(absl::CancelledError("cancelled by the client or past its deadline"));
    answer = TakeAnswer();
  }
  if (answer.has_value()) Finish(*answer);
}

std::optional<grpc::Status> PayloadStreamCall::TakeAnswer() {
  if (finished_ || in_flight_ > 0) return std::nullopt;
  const bool succeeded = failure_.ok() && chunker_ != nullptr && chunker_->done() &&
                         acknowledged_ == chunker_->chunk_count() && client_done_;
  if (failure_.ok() && !succeeded) return std::nullopt;
  finished_ = true;
  if (succeeded) {
    response_->set_payload_id(header_->payload_id());
    response_->set_chunk_count(chunker_->chunk_count());
    response_->set_total_bytes(header_->total_bytes());
  }
  const absl::Status status = succeeded ? absl::OkStatus() : failure_;
  metrics_.RequestFinished("PushPayloadStream", status.code(), absl::Now() - start_);
  return ToGrpcStatus(status);
}

void PayloadStreamCall::OnDone() { delete this; }

}  // namespace ingest
