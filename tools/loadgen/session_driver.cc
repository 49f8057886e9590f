#include "tools/loadgen/session_driver.h"

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/cpp/client.h"
#include "services/common/crypto/sha256.h"
#include "tools/loadgen/synthetic_client.h"

namespace ingest::loadgen {
namespace {

// One session's attempts, as its client's observer reports them (on gRPC and
// timer threads) while the session's thread waits in a call. The SDK calls
// the observer for the last attempt before the call returns, so after a
// call last_attempt() is that call's attempt count.
class SessionAttempts {
 public:
  SessionAttempts(int session_index, int max_attempts, SessionObserver& observer)
      : session_index_(session_index), max_attempts_(max_attempts), observer_(observer) {}

  void OnAttempt(const client::AttemptInfo& info) {
    std::string session_id;
    {
      absl::MutexLock lock(&mu_);
      last_attempt_ = info.attempt;
      if (!info.next_wait.has_value()) return;
      session_id = session_id_;
    }
    observer_.OnRetry({.session_index = session_index_,
                       .session_id = session_id,
                       .payload_id = info.payload_id,
                       .attempt = info.attempt,
                       .max_attempts = max_attempts_,
                       .status = info.status,
                       .retry_delay = *info.next_wait});
  }

  // Before each call: no attempt of it seen yet.
  void StartCall() {
    absl::MutexLock lock(&mu_);
    last_attempt_ = 0;
  }

  void set_session_id(const std::string& session_id) {
    absl::MutexLock lock(&mu_);
    session_id_ = session_id;
  }

  // Tells the observer the call just returned `status` for good.
  void GiveUp(uint64_t payload_id, const absl::Status& status, int payloads_not_acked) {
    CallFailure failure{.session_index = session_index_,
                        .payload_id = payload_id,
                        .max_attempts = max_attempts_,
                        .status = status};
    std::string session_id;
    {
      absl::MutexLock lock(&mu_);
      session_id = session_id_;
      failure.attempt = last_attempt_;
    }
    failure.session_id = session_id;
    observer_.OnGiveUp(failure, payloads_not_acked);
  }

 private:
  const int session_index_;
  const int max_attempts_;
  SessionObserver& observer_;
  absl::Mutex mu_;
  std::string session_id_ ABSL_GUARDED_BY(mu_);
  int last_attempt_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

std::string DescribeCall(const CallFailure& failure) {
  if (failure.payload_id == 0) {
    return absl::StrCat("session ", failure.session_index,
                        " InitializeSession");
  }
  return absl::StrCat("session ", failure.session_index, " payload ",
                      failure.payload_id, " (sid=", failure.session_id, ")");
}

SessionDriver::SessionDriver(SessionDriverOptions options,
                             const PayloadFactory& factory, Ledger& ledger,
                             SessionObserver& observer)
    : options_(std::move(options)),
      factory_(factory),
      ledger_(ledger),
      observer_(observer) {}

SessionResult SessionDriver::Run(int session_index) const {
  const int payloads = options_.payloads_per_session;
  SessionResult result;
  // Declared before the client, which calls it until destroyed.
  SessionAttempts attempts(session_index, options_.client.retry.max_attempts, observer_);

  client::ClientOptions client_options = options_.client;
  client_options.observer = [&attempts](const client::AttemptInfo& info) {
    attempts.OnAttempt(info);
  };
  absl::StatusOr<std::unique_ptr<client::Client>> client =
      client::Client::Create(std::move(client_options));
  auto start_session = [&]() -> absl::StatusOr<std::unique_ptr<client::Session>> {
    if (!client.ok()) return client.status();
    attempts.StartCall();
    return (*client)->StartSession(SyntheticInitializeRequest(
        "loadgen", "loadgen", options_.project_id, options_.seed, session_index));
  };
  const absl::StatusOr<std::unique_ptr<client::Session>> session = start_session();
  if (!session.ok()) {
    attempts.GiveUp(0, session.status(), payloads);
    result.not_acked = payloads;
    return result;
  }
  result.session_id = (*session)->id();
  attempts.set_session_id(result.session_id);

  // The SDK numbers the payloads 1, 2, ...; a payload given up keeps its id.
  for (uint64_t payload_id = (*session)->next_payload_id();
       payload_id <= static_cast<uint64_t>(payloads);
       payload_id = (*session)->next_payload_id()) {
    ingest::v1::PayloadContent content = factory_.Make(session_index, payload_id);
    // What the pipeline must store byte for byte.
    const std::string serialized = content.SerializeAsString();
    attempts.StartCall();
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
      attempts.GiveUp(payload_id, pushed.status(), 1);
      ++result.not_acked;
    }
  }
  return result;
}

}  // namespace ingest::loadgen
