#include "tools/bench/gateway_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest::bench {
Sessions::Sessions(std::vector<std::string> ids)
    : ids_(std::move(ids)), next_(new std::atomic<uint64_t>[ids_.size()]) {
  for (size_t i = 0; i < ids_.size(); ++i) next_[i].store(1);
}

// One attempt; a retry gets a fresh context (contexts are single-use) and
// inherits the request.
struct GatewaySink::Call {
  grpc::ClientContext context;
  v1::PushPayloadRequest request;
  v1::PushPayloadResponse response;
  AckCallback done;
  int lane = 0;
  int retries = 0;
};

void GatewaySink::Send(int lane, AckCallback done) {
  auto call = std::make_unique<Call>();
  call->lane = lane;
  call->done = std::move(done);
  call->request.set_session_id(sessions_.id(lane));
  call->request.set_payload_id(sessions_.next_payload_id(lane));
  call->request.set_content_encoding(v1::CONTENT_ENCODING_IDENTITY);
  *call->request.mutable_content() = pool_.content(next_body_.fetch_add(1));
  Start(std::move(call));
}

void GatewaySink::Start(std::unique_ptr<Call> call) {
  client_.Prepare(call->context);
  Call* raw = call.release();
  client_.stub(raw->lane).async()->PushPayload(
      &raw->context, &raw->request, &raw->response,
      [this, raw](grpc::Status status) { OnDone(std::unique_ptr<Call>(raw), status); });
}

void GatewaySink::OnDone(std::unique_ptr<Call> call, const grpc::Status& status) {
  if (status.ok()) {
    sessions_.Advance(call->lane);
    std::move(call->done)(Ack{absl::OkStatus(), call->retries});
    return;
  }
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    const absl::Duration delay = BackpressureWait(RetryAfter(call->context));
    auto next = std::make_unique<Call>();
    next->request = std::move(call->request);
    next->done = std::move(call->done);
    next->lane = call->lane;
    next->retries = call->retries + 1;
    timer_.After(delay, [this, next = std::move(next)]() mutable { Start(std::move(next)); });
    return;
  }
  std::move(call->done)(Ack{
      FromGrpc(status, absl::StrCat("PushPayload session ", call->request.session_id(),
                                    " payload_id ", call->request.payload_id())),
      call->retries});
}

}  // namespace ingest::bench
