#include "tools/loadgen/session_driver.h"

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/crypto/sha256.h"
#include "tools/loadgen/synthetic_client.h"

namespace ingest::loadgen {

std::string DescribeCall(const CallFailure& failure) {
  if (failure.payload_id == 0) {
    return absl::StrCat("session ", failure.session_index,
                        " InitializeSession");
  }
  return absl::StrCat("session ", failure.session_index, " payload ",
                      failure.payload_id, " (sid=", failure.session_id, ")");
}

SessionDriver::SessionDriver(SessionDriverOptions options,
                             IngestClient& client,
                             const PayloadFactory& factory, Ledger& ledger,
                             SessionObserver& observer, Clock& clock)
    : options_(std::move(options)),
      client_(client),
      factory_(factory),
      ledger_(ledger),
      observer_(observer),
      clock_(clock) {}

ingest::v1::InitializeSessionRequest SessionDriver::MakeInitializeRequest(
    int session_index) const {
  return SyntheticInitializeRequest("loadgen", "loadgen", options_.project_id,
                                    options_.seed, session_index);
}

SessionResult SessionDriver::Run(int session_index) const {
  const int payloads = options_.payloads_per_session;
  // Per-session jitter stream: no state shared between threads.
  std::mt19937_64 jitter(options_.seed * 1'000'003 + session_index);
  SessionResult result;

  CallFailure failure{.session_index = session_index,
                      .max_attempts = options_.retry.max_attempts};
  auto on_retry = [&](int attempt, const absl::Status& status,
                      absl::Duration delay) {
    failure.attempt = attempt;
    failure.status = status;
    failure.retry_delay = delay;
    observer_.OnRetry(failure);
  };
  auto give_up = [&](int attempts_made, const absl::Status& status,
                     int payloads_not_acked) {
    failure.attempt = attempts_made;
    failure.status = status;
    failure.retry_delay = absl::ZeroDuration();
    observer_.OnGiveUp(failure, payloads_not_acked);
  };

  const ingest::v1::InitializeSessionRequest init =
      MakeInitializeRequest(session_index);
  int attempts = 0;
  const absl::Status init_status = CallWithRetries(
      options_.retry, clock_, jitter,
      [&](int attempt) {
        attempts = attempt;
        absl::StatusOr<std::string> session_id =
            client_.InitializeSession(init);
        if (session_id.ok()) result.session_id = *std::move(session_id);
        return session_id.status();
      },
      on_retry);
  if (!init_status.ok()) {
    give_up(attempts, init_status, payloads);
    result.not_acked = payloads;
    return result;
  }
  failure.session_id = result.session_id;

  for (int payload_id = 1; payload_id <= payloads; ++payload_id) {
    ingest::v1::PushPayloadRequest push;
    push.set_session_id(result.session_id);
    push.set_payload_id(payload_id);
    push.set_content_encoding(ingest::v1::CONTENT_ENCODING_IDENTITY);
    // The page unloads with the last payload, so the pipeline can complete
    // the session soon after it.
    push.set_has_session_unloaded(payload_id == payloads);
    *push.mutable_content() = factory_.Make(session_index, payload_id);
    // What the pipeline must store byte for byte.
    const std::string serialized = push.content().SerializeAsString();

    failure.payload_id = payload_id;
    const absl::Status status = CallWithRetries(
        options_.retry, clock_, jitter,
        [&](int attempt) {
          attempts = attempt;
          return client_.PushPayload(push);
        },
        on_retry);
    if (status.ok()) {
      ledger_.Record({.session_id = result.session_id,
                      .session_index = session_index,
                      .payload_id = static_cast<uint64_t>(payload_id),
                      .size_bytes = serialized.size(),
                      .sha256_hex = Sha256Hex(serialized)});
      ++result.acked;
    } else {
      give_up(attempts, status, 1);
      ++result.not_acked;
    }
  }
  return result;
}

}  // namespace ingest::loadgen
