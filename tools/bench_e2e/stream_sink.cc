#include "tools/bench_e2e/stream_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "tools/bench/stream_push.h"

namespace ingest::bench_e2e {
struct StreamSink::Call {
  int lane = 0;
  uint64_t payload_id = 0;
  const StreamPayload* payload = nullptr;
  bench::AckCallback done;
  int retries = 0;
  std::atomic<int64_t> sent{0};  // this attempt's bytes
};

void StreamSink::Send(int lane, bench::AckCallback done) {
  auto call = std::make_shared<Call>();
  call->lane = lane;
  call->payload_id = sessions_.next_payload_id(lane);
  call->payload = &payloads_[next_payload_.fetch_add(1) % payloads_.size()];
  call->done = std::move(done);
  Start(std::move(call));
}

void StreamSink::Start(std::shared_ptr<Call> call) {
  call->sent.store(0);
  const bench::StreamPushOptions options{.session_id = sessions_.id(call->lane),
                                         .payload_id = call->payload_id,
                                         .chunk_bytes = chunk_bytes_,
                                         .sha256 = call->payload->sha256,
                                         .timeout = timeout_,
                                         .channel = call->lane};
  bench::StartPushStream(
      client_, call->payload->content, options, &call->sent,
      [this, call](bench::StreamOutcome outcome) {
        bytes_sent_ += call->sent.load();
        if (outcome.response.ok()) {
          sessions_.Advance(call->lane);
          std::move(call->done)(bench::Ack{absl::OkStatus(), call->retries});
          return;
        }
        if (outcome.response.status().code() == absl::StatusCode::kResourceExhausted) {
          ++call->retries;
          const absl::Duration delay = bench::BackpressureWait(outcome.retry_after);
          timer_.After(delay, [this, call]() mutable { Start(std::move(call)); });
          return;
        }
        std::move(call->done)(bench::Ack{
            absl::Status(outcome.response.status().code(),
                         absl::StrCat("session ", sessions_.id(call->lane), " payload_id ",
                                      call->payload_id, ": ",
                                      outcome.response.status().message())),
            call->retries});
      });
}

}  // namespace ingest::bench_e2e
