#include "services/gateway/unary_call.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/status/grpc_status.h"
#include "services/gateway/retry_pushback.h"

namespace ingest {

absl::Duration DeliveryWait(absl::Time now, absl::Time deadline, absl::Duration delivery_timeout) {
  if (deadline == absl::InfiniteFuture()) return delivery_timeout;
  const absl::Duration remaining = deadline - now;
  const absl::Duration margin = std::max(absl::Milliseconds(20), remaining / 10);
  return std::min(delivery_timeout, remaining - margin);
}

CallOutcome::CallOutcome(UnaryCall* call, int expected_records, FillResponse fill)
    : call_(call), remaining_(expected_records), positions_(expected_records),
      fill_(std::move(fill)) {}

void CallOutcome::Delivered(int index, absl::StatusOr<RecordPosition> result) {
  if (!result.ok()) {
    Finish(result.status());
    return;
  }
  UnaryCall* call = nullptr;
  {
    absl::MutexLock lock(&mutex_);
    if (call_ == nullptr) return;
    positions_[index] = *result;
    if (--remaining_ > 0) return;
    if (fill_) fill_(positions_);
    call = std::exchange(call_, nullptr);
  }
  call->FinishWith(absl::OkStatus());
}

void CallOutcome::Finish(const absl::Status& status) {
  UnaryCall* call = nullptr;
  {
    absl::MutexLock lock(&mutex_);
    call = std::exchange(call_, nullptr);
  }
  // Only the winner gets the pointer; the reactor lives until its Finish.
  if (call != nullptr) call->FinishWith(status);
}

UnaryCall::UnaryCall(grpc::CallbackServerContext* context, GatewayMetrics& metrics,
                     const char* rpc, absl::Duration max_delivery_wait)
    : context_(context),
      metrics_(metrics),
      rpc_(rpc),
      max_delivery_wait_(max_delivery_wait),
      start_(absl::Now()) {
  metrics_.RequestStarted(rpc_);
}

void UnaryCall::Reject(const absl::Status& status, absl::Duration retry_after) {
  AddRetryPushback(*context_, retry_after);
  outcome_ = std::make_shared<CallOutcome>(this, 0, nullptr);
  outcome_->Finish(status);
}

absl::StatusOr<std::shared_ptr<CallOutcome>> UnaryCall::Expect(int records, FillResponse fill) {
  const absl::Time now = absl::Now();
  const absl::Duration wait =
      DeliveryWait(now, absl::FromChrono(context_->deadline()), max_delivery_wait_);
  if (wait <= absl::ZeroDuration()) {
    absl::Status status = absl::DeadlineExceededError(
        "the call's deadline leaves no time to reach Kafka: use a longer deadline");
    Reject(status);
    return status;
  }
  auto outcome = std::make_shared<CallOutcome>(this, records, std::move(fill));
  outcome_ = outcome;
  // Always armed: librdkafka's own message timeout can report well after
  // message.timeout.ms while no broker is reachable (seen: 12 s for 2 s).
  alarm_.Set(absl::ToChronoTime(now + wait), [outcome, wait](bool fired) {
    if (!fired) return;  // cancelled when the call was done
    outcome->Finish(absl::UnavailableError(absl::StrCat(
        "Kafka did not acknowledge within ", absl::FormatDuration(wait),
        ": retry with the same payload_id")));
  });
  return outcome;
}

void UnaryCall::OnCancel() {
  // The handler set outcome_ (Reject or Expect) before returning this
  // reactor, so it is set whenever gRPC can call OnCancel.
  outcome_->Finish(absl::FromChrono(context_->deadline()) <= absl::Now()
                       ? absl::DeadlineExceededError("deadline exceeded")
                       : absl::CancelledError("cancelled by the client"));
}

void UnaryCall::OnDone() { delete this; }

void UnaryCall::FinishWith(const absl::Status& status) {
  metrics_.RequestFinished(rpc_, status.code(), absl::Now() - start_);
  Finish(ToGrpcStatus(status));
}

}  // namespace ingest
