#include "client/cpp/retried_call.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/cpp/call_status.h"
#include "client/cpp/stream_attempt.h"
#include "services/common/crypto/sha256.h"

namespace ingest::client {
namespace {

// Owns itself from StartRetriedCall until Finish. One attempt at a time, so
// its members are touched by one thread at a time (the thread that ended
// the previous attempt, or the clock's thread after a wait).
class RetriedCall {
 public:
  RetriedCall(ClientCore& core, CallSpec spec, CallDone done)
      : core_(core),
        spec_(std::move(spec)),
        done_(std::move(done)),
        method_(IngestMethod(spec_.rpc)),
        target_(core_.preferred_target()),
        start_(core_.clock().Now()) {
    core_.CallStarted();
  }

  void StartAttempt() {
    ++attempt_;
    context_ = std::make_shared<grpc::ClientContext>();
    const bool stream = spec_.payload != nullptr && spec_.stream;
    core_.channels().Prepare(*context_, stream ? core_.options().stream_deadline
                                               : core_.options().call_deadline);
    if (!core_.BeginAttempt(context_)) {
      Finish(absl::CancelledError("the client is shutting down"), /*gave_up=*/false,
             "the client was destroyed before the call could be sent");
      return;
    }
    attempt_start_ = core_.clock().Now();
    const ChannelPool::Stubs stubs = core_.channels().Next(target_);
    if (stream) {
      if (sha256_.empty()) sha256_ = Sha256(*spec_.payload->content);
      StartStreamAttempt(*stubs.typed, context_.get(), spec_.payload, sha256_,
                         core_.options().stream_chunk_bytes,
                         [this](const grpc::Status& status,
                                const v1::PushPayloadStreamResponse& response) {
                           outcome_.stream_response = response;
                           AttemptDone(status);
                         });
      return;
    }
    request_ = spec_.payload != nullptr ? UnaryRequestBytes(spec_.payload) : spec_.request;
    outcome_.response.Clear();
    stubs.generic->UnaryCall(context_.get(), method_, grpc::StubOptions(), &request_,
                             &outcome_.response,
                             [this](grpc::Status status) { AttemptDone(status); });
  }

 private:
  absl::string_view attempt_rpc() const {
    return spec_.payload != nullptr ? (spec_.stream ? "PushPayloadStream" : "PushPayload")
                                    : absl::string_view(spec_.rpc);
  }

  void AttemptDone(const grpc::Status& grpc_status) {
    core_.EndAttempt(context_.get());
    const absl::Time now = core_.clock().Now();
    AttemptResult result{ToAbslStatus(grpc_status),
                         PushbackFromTrailers(context_->GetServerTrailingMetadata())};
    if (result.status.ok() && spec_.payload != nullptr && spec_.stream) {
      result.status = CheckStreamAnswer();
    }
    AttemptOutcome outcome;
    outcome.code = result.status.code();
    outcome.pushback = result.pushback;
    outcome.attempt = attempt_;
    outcome.elapsed = now - start_;
    outcome.can_stream = spec_.payload != nullptr && !spec_.stream;
    const RetryDecision decision = core_.Decide(outcome);

    const std::string target = core_.channels().target(target_);
    AttemptInfo info;
    info.rpc = attempt_rpc();
    info.attempt = attempt_;
    info.target = target;
    info.status = result.status;
    info.latency = now - attempt_start_;
    info.payload_id = spec_.payload != nullptr ? spec_.payload->payload_id : 0;
    info.session_id = spec_.session_id;
    if (decision.action != RetryDecision::Action::kReturn) info.next_wait = decision.wait;
    core_.Observe(info);

    switch (decision.action) {
      case RetryDecision::Action::kReturn:
        outcome_.streamed = spec_.payload != nullptr && spec_.stream;
        Finish(std::move(result.status), decision.gave_up,
               absl::StrCat(decision.reason, " (last attempt to ", target, ")"));
        return;
      case RetryDecision::Action::kRetryAsStream:
        spec_.stream = true;
        StartAttempt();
        return;
      case RetryDecision::Action::kRetry:
        if (result.status.code() == absl::StatusCode::kUnavailable) {
          target_ = core_.FailOver(target_);
        }
        core_.ScheduleRetry(decision.wait, [this] { StartAttempt(); });
        return;
    }
  }

  // An OK stream answer must acknowledge the bytes that were sent.
  absl::Status CheckStreamAnswer() const {
    const v1::PushPayloadStreamResponse& response = outcome_.stream_response;
    const uint64_t sent = spec_.payload->content->size();
    if (response.total_bytes() == sent &&
        (response.sha256().empty() || response.sha256() == sha256_)) {
      return absl::OkStatus();
    }
    return absl::DataLossError(absl::StrCat(
        "the gateway acknowledged ", response.total_bytes(), " bytes",
        response.sha256() != sha256_ ? " with another SHA-256" : "", " for ", sent,
        " sent; report this (a bug in the gateway or a proxy that changes messages)"));
  }

  void Finish(absl::Status status, bool gave_up, absl::string_view why) {
    if (!status.ok()) {
      const std::string subject = spec_.subject.empty() ? "the request" : spec_.subject;
      std::string advice;
      if (gave_up || status.code() == absl::StatusCode::kCancelled) {
        advice = absl::StrCat(subject, " is still yours to retry");
      } else {
        advice = absl::StrCat(subject, " was not stored; the message above says what to change");
      }
      status = absl::Status(status.code(), absl::StrCat(status.message(), " [", spec_.rpc, ": ",
                                                        why, "; ", advice, "]"));
    }
    outcome_.status = std::move(status);
    outcome_.attempts = attempt_;
    // The last thing: `done` may let the client's destructor finish.
    CallDone done = std::move(done_);
    CallOutcome outcome = std::move(outcome_);
    ClientCore& core = core_;
    delete this;
    std::move(done)(std::move(outcome));
    core.CallFinished();
  }

  ClientCore& core_;
  CallSpec spec_;
  CallDone done_;
  const std::string method_;
  int target_;
  const absl::Time start_;
  int attempt_ = 0;
  absl::Time attempt_start_;
  std::string sha256_;  // of the payload's content, once streamed
  std::shared_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  CallOutcome outcome_;
};

}  // namespace

std::string IngestMethod(absl::string_view rpc) {
  return absl::StrCat("/ingest.v1.Ingest/", rpc);
}

void StartRetriedCall(ClientCore& core, CallSpec spec, CallDone done) {
  (new RetriedCall(core, std::move(spec), std::move(done)))->StartAttempt();
}

}  // namespace ingest::client
