#include "tools/loadgen/session_driver.h"

#include <atomic>
#include <memory>
#include <utility>

#include "client/cpp/client.h"
#include "services/common/crypto/sha256.h"
#include "tools/loadgen/synthetic_client.h"

namespace ingest::loadgen {

SessionDriver::SessionDriver(SessionDriverOptions options,
                             const PayloadFactory& factory, Ledger& ledger,
                             SessionObserver& observer)
    : options_(std::move(options)),
      factory_(factory),
      ledger_(ledger),
      observer_(observer) {}

SessionResult SessionDriver::Run(int session_index) const {
  const int payloads = options_.payloads_per_session;
  const int max_attempts = options_.client.retry.max_attempts;
  SessionResult result;
  // The attempt the call in progress is at, from the client's observer (on
  // gRPC and timer threads). The SDK reports a call's last attempt before
  // the call returns, so after a call this is its attempt count. Declared
  // before the client, which calls the observer until destroyed.
  std::atomic<int> attempt{0};
  client::ClientOptions client_options = options_.client;
  client_options.observer = [&](const client::AttemptInfo& info) {
    attempt.store(info.attempt);
    if (!info.next_wait.has_value()) return;
    observer_.OnRetry({.session_index = session_index,
                       .session_id = info.session_id,
                       .payload_id = info.payload_id,
                       .attempt = info.attempt,
                       .max_attempts = max_attempts,
                       .status = info.status,
                       .retry_delay = *info.next_wait});
  };
  auto give_up = [&](uint64_t payload_id, const absl::Status& status, int not_acked) {
    observer_.OnGiveUp({.session_index = session_index,
                        .session_id = result.session_id,
                        .payload_id = payload_id,
                        .attempt = attempt.load(),
                        .max_attempts = max_attempts,
                        .status = status},
                       not_acked);
    result.not_acked += not_acked;
  };

  absl::StatusOr<std::unique_ptr<client::Client>> client =
      client::Client::Create(std::move(client_options));
  auto start_session = [&]() -> absl::StatusOr<std::unique_ptr<client::Session>> {
    if (!client.ok()) return client.status();
    return (*client)->StartSession(SyntheticInitializeRequest(
        "loadgen", "loadgen", options_.project_id, options_.seed, session_index));
  };
  const absl::StatusOr<std::unique_ptr<client::Session>> session = start_session();
  if (!session.ok()) {
    give_up(0, session.status(), payloads);
    return result;
  }
  result.session_id = (*session)->id();

  // The SDK numbers the payloads 1, 2, ...; a payload given up keeps its id.
  for (uint64_t payload_id = (*session)->next_payload_id();
       payload_id <= static_cast<uint64_t>(payloads);
       payload_id = (*session)->next_payload_id()) {
    ingest::v1::PayloadContent content = factory_.Make(session_index, payload_id);
    // What the pipeline must store byte for byte.
    const std::string serialized = content.SerializeAsString();
    attempt.store(0);
    // The page unloads with the last payload, so the pipeline can complete
    // the session soon after it.
    const absl::StatusOr<client::PushResult> pushed = (*session)->Push(
        std::move(content),
        {.has_session_unloaded = payload_id == static_cast<uint64_t>(payloads)});
    if (pushed.ok()) {
      ledger_.Record({.session_id = result.session_id,
                      .session_index = session_index,
                      .payload_id = pushed->payload_id,
                      .size_bytes = serialized.size(),
                      .sha256_hex = Sha256Hex(serialized)});
      ++result.acked;
    } else {
      give_up(payload_id, pushed.status(), 1);
    }
  }
  return result;
}

}  // namespace ingest::loadgen
