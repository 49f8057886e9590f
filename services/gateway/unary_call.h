#pragma once

// UnaryCall: one unary RPC in flight, on gRPC's callback API.
//
// A handler creates it, validates, then, before returning it to gRPC,
// either Reject()s it or asks for `n` Kafka records with Expect() (exactly
// one of the two). The call then finishes exactly once,
// with whichever comes first:
//   - every record acknowledged            -> OK (the response is filled)
//   - a record failed                      -> that record's status
//   - its wait budget ran out              -> UNAVAILABLE ("retry with the
//                                             same payload_id")
//   - the client cancelled / deadline hit  -> CANCELLED / DEADLINE_EXCEEDED
// The wait budget is the delivery timeout, shortened so the answer arrives
// before the client's own deadline.
//
// Threads: created on a gRPC thread; CallOutcome is called from the Kafka
// delivery thread and the alarm thread. The reactor deletes itself in
// OnDone(); CallOutcome (shared) outlives it for late delivery reports.

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/kafka/producer.h"
#include "services/gateway/gateway_metrics.h"

namespace ingest {

class UnaryCall;

// Fills the response from where Kafka stored the call's records (in the
// order they were produced). Runs at most once, before the call finishes.
using FillResponse = std::function<void(const std::vector<RecordPosition>&)>;

// The shared, thread-safe outcome of a call's records.
class CallOutcome {
 public:
  CallOutcome(UnaryCall* call, int expected_records, FillResponse fill);

  // Reports record `index`'s delivery (from DeliveryCallback).
  void Delivered(int index, absl::StatusOr<RecordPosition> result);

  // Finishes the call with `status` unless it already finished.
  void Finish(const absl::Status& status);

 private:
  absl::Mutex mutex_;
  UnaryCall* call_ ABSL_GUARDED_BY(mutex_);  // null once finished
  int remaining_ ABSL_GUARDED_BY(mutex_);
  std::vector<RecordPosition> positions_ ABSL_GUARDED_BY(mutex_);
  FillResponse fill_ ABSL_GUARDED_BY(mutex_);
};

class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  // `max_delivery_wait` is the gateway's delivery timeout.
  UnaryCall(grpc::CallbackServerContext* context, GatewayMetrics& metrics, const char* rpc,
            absl::Duration max_delivery_wait);

  // Finishes at once with `status`; RESOURCE_EXHAUSTED carries the retry
  // pushback (retry_pushback.h) when `retry_after` is positive.
  void Reject(const absl::Status& status, absl::Duration retry_after = absl::ZeroDuration());

  // Starts waiting for `records` acknowledgements; returns the outcome the
  // delivery callbacks report to, or an error (DEADLINE_EXCEEDED) when the
  // call's deadline leaves no time to reach Kafka (the call is then
  // already finished).
  absl::StatusOr<std::shared_ptr<CallOutcome>> Expect(int records, FillResponse fill);

  void OnCancel() override;
  void OnDone() override;

  // Called by CallOutcome exactly once.
  void FinishWith(const absl::Status& status);

 private:
  grpc::CallbackServerContext* const context_;
  GatewayMetrics& metrics_;
  const char* const rpc_;
  const absl::Duration max_delivery_wait_;
  const absl::Time start_;
  // Set by Reject() or Expect() on the handler's thread before gRPC can call
  // OnCancel(); constant afterwards.
  std::shared_ptr<CallOutcome> outcome_;
  grpc::Alarm alarm_;
};

// How long a call may wait for Kafka: the delivery timeout, cut to end a
// little before `deadline` (10% of the remaining time, at least 20 ms).
// Zero or negative: no time left.
absl::Duration DeliveryWait(absl::Time now, absl::Time deadline, absl::Duration delivery_timeout);

}  // namespace ingest
