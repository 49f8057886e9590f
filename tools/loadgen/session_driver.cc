#include "tools/loadgen/session_driver.h"

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/cpp/client.h"
#include "services/common/crypto/sha256.h"
#include "tools/loadgen/synthetic_client.h"

namespace ingest::loadgen {
namespace {

// "session 3 payload 7 (sid=S)", or "session 3 InitializeSession" for
// payload id 0.
std::string CallName(int session_index, uint64_t payload_id, absl::string_view session_id) {
  if (payload_id == 0) return absl::StrCat("session ", session_index, " InitializeSession");
  return absl::StrCat("session ", session_index, " payload ", payload_id, " (sid=", session_id,
                      ")");
}

}  // namespace

SessionDriver::SessionDriver(SessionDriverOptions options, const PayloadFactory& factory,
                             Ledger& ledger, console::Console& console)
    : options_(std::move(options)),
      factory_(factory),
      ledger_(ledger),
      console_(console),
      clock_(options_.clock != nullptr ? *options_.clock : client::SharedSystemClock()) {}

SessionResult SessionDriver::Run(int session_index, absl::Time until) {
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
    if (options_.on_attempt) options_.on_attempt(info);
    if (!info.next_wait.has_value()) return;
    retries_.fetch_add(1);
    if (!options_.log_retries) return;
    console_.Log(absl::StrCat(
        options_.log_prefix, ": retry ", CallName(session_index, info.payload_id, info.session_id),
        ": attempt ", info.attempt, max_attempts > 0 ? absl::StrCat("/", max_attempts) : "",
        " failed: ", info.status.ToString(), "; next in ",
        absl::FormatDuration(absl::Trunc(*info.next_wait, absl::Milliseconds(1)))));
  };
  // A call that failed for good costs `not_acked` payloads: 1, or all of
  // them for InitializeSession.
  auto give_up = [&](uint64_t payload_id, const absl::Status& status, int not_acked) {
    errors_.fetch_add(1);
    ++result.given_up;
    const int attempts = attempt.load();
    console_.Log(
        absl::StrCat(options_.log_prefix, ": gave up on ",
                     CallName(session_index, payload_id, result.session_id), " after ", attempts,
                     attempts == 1 ? " attempt: " : " attempts: ", status.ToString(),
                     not_acked > 1 ? absl::StrCat(" (", not_acked, " payloads not sent)") : ""));
    result.not_acked += not_acked;
  };

  absl::StatusOr<std::unique_ptr<client::Client>> client =
      client::Client::Create(std::move(client_options));
  auto start_session = [&]() -> absl::StatusOr<std::unique_ptr<client::Session>> {
    if (!client.ok()) return client.status();
    return (*client)->StartSession(
        SyntheticInitializeRequest(options_.client_name, options_.environment, options_.project_id,
                                   options_.seed, session_index));
  };
  const absl::StatusOr<std::unique_ptr<client::Session>> session = start_session();
  if (!session.ok()) {
    give_up(0, session.status(), payloads);
    return result;
  }
  result.session_id = (*session)->id();

  // The SDK numbers the payloads 1, 2, ...; a payload given up keeps its id.
  for (uint64_t payload_id = (*session)->next_payload_id();
       payload_id <= static_cast<uint64_t>(payloads) && clock_.Now() < until;
       payload_id = (*session)->next_payload_id()) {
    const bool streamed =
        options_.stream_every > 0 && payload_id % static_cast<uint64_t>(options_.stream_every) == 0;
    ingest::v1::PayloadContent content =
        (streamed ? *options_.streamed : factory_).Make(session_index, payload_id);
    // What the pipeline must store byte for byte.
    const std::string serialized = content.SerializeAsString();
    attempt.store(0);
    // The page unloads with the last payload, so the pipeline can complete
    // the session soon after it.
    const absl::StatusOr<client::PushResult> pushed =
        (*session)->Push(std::move(content),
                         {.has_session_unloaded = options_.unload_with_last_payload &&
                                                  payload_id == static_cast<uint64_t>(payloads)});
    if (pushed.ok()) {
      ledger_.Record({.session_id = result.session_id,
                      .session_index = session_index,
                      .payload_id = pushed->payload_id,
                      .size_bytes = serialized.size(),
                      .sha256_hex = Sha256Hex(serialized)});
      ++result.acked;
      if (options_.on_ack) options_.on_ack();
    } else {
      give_up(payload_id, pushed.status(), 1);
    }
    clock_.SleepFor(options_.payload_interval);
  }
  return result;
}

}  // namespace ingest::loadgen
