#include "tools/chaos/load_driver.h"

#include <atomic>
#include <memory>
#include <thread>
#include <utility>

#include "client/cpp/client.h"
#include "services/common/crypto/sha256.h"
#include "tools/loadgen/synthetic_client.h"

namespace ingest::chaos {
namespace {

// One session's attempts, as its client's observer reports them (on gRPC and
// timer threads) while the session's thread waits in a call. The SDK calls
// the observer for the last attempt before the call returns.
class SessionAttempts {
 public:
  SessionAttempts(RunRecorder& recorder, LoadObserver& observer, loadgen::Clock& clock)
      : recorder_(recorder), observer_(observer), clock_(clock) {}

  void OnAttempt(const client::AttemptInfo& info) {
    const absl::Time end = clock_.Now();
    recorder_.RecordAttempt({.start = end - info.latency,
                             .end = end,
                             .code = info.status.code(),
                             .stream = info.rpc == "PushPayloadStream"});
    last_attempt_.store(info.attempt);
    if (info.next_wait.has_value()) {
      observer_.OnRetry({.attempt = info.attempt,
                         .gateway = std::string(info.target),
                         .status = info.status,
                         .delay = *info.next_wait});
    }
  }

  // The attempts of the call that just returned; resets for the next one.
  int TakeAttempts() { return last_attempt_.exchange(0); }

 private:
  RunRecorder& recorder_;
  LoadObserver& observer_;
  loadgen::Clock& clock_;
  std::atomic<int> last_attempt_{0};
};

}  // namespace

LoadDriver::LoadDriver(LoadOptions options, const loadgen::PayloadFactory& unary,
                       const loadgen::PayloadFactory& streamed, loadgen::Ledger& ledger,
                       RunRecorder& recorder, LoadObserver& observer, loadgen::Clock& clock)
    : options_(std::move(options)),
      unary_(unary),
      streamed_(streamed),
      ledger_(ledger),
      recorder_(recorder),
      observer_(observer),
      clock_(clock) {}

LoadStats LoadDriver::Run() {
  const absl::Time load_end = clock_.Now() + options_.duration;
  std::vector<LoadStats> per_thread(options_.sessions);
  std::vector<std::thread> threads;
  threads.reserve(options_.sessions);
  for (int i = 0; i < options_.sessions; ++i) {
    threads.emplace_back([this, i, load_end, &per_thread] {
      per_thread[i] = RunThread(i, load_end);
    });
  }
  LoadStats total;
  for (int i = 0; i < options_.sessions; ++i) {
    threads[i].join();
    total.sessions_started += per_thread[i].sessions_started;
    total.acked += per_thread[i].acked;
    total.given_up += per_thread[i].given_up;
  }
  return total;
}

ingest::v1::InitializeSessionRequest MakeInitializeRequest(
    const LoadOptions& options, int session_index) {
  return loadgen::SyntheticInitializeRequest("chaos_load", "chaos", options.project_id,
                                             options.seed, session_index);
}

std::vector<std::string> RotatedTargets(const std::vector<std::string>& targets, int first) {
  std::vector<std::string> rotated;
  rotated.reserve(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    rotated.push_back(targets[(first + i) % targets.size()]);
  }
  return rotated;
}

LoadStats LoadDriver::RunThread(int thread_index, absl::Time load_end) {
  LoadStats stats;
  for (int generation = 0; clock_.Now() < load_end; ++generation) {
    RunSession(thread_index, generation * options_.sessions + thread_index, load_end, stats);
  }
  return stats;
}

void LoadDriver::RunSession(int thread_index, int session_index, absl::Time load_end,
                            LoadStats& stats) {
  // Declared before the client, which calls it until destroyed.
  SessionAttempts attempts(recorder_, observer_, clock_);
  client::ClientOptions client_options = options_.client;
  client_options.targets = RotatedTargets(options_.client.targets, thread_index);
  client_options.observer = [&attempts](const client::AttemptInfo& info) {
    attempts.OnAttempt(info);
  };
  absl::StatusOr<std::unique_ptr<client::Client>> client =
      client::Client::Create(std::move(client_options));
  auto start_session = [&]() -> absl::StatusOr<std::unique_ptr<client::Session>> {
    if (!client.ok()) return client.status();
    return (*client)->StartSession(MakeInitializeRequest(options_, session_index));
  };
  const absl::StatusOr<std::unique_ptr<client::Session>> session = start_session();
  const int init_attempts = attempts.TakeAttempts();
  observer_.OnCallDone(init_attempts);
  if (!session.ok()) {
    observer_.OnGiveUp(
        {.thread_index = thread_index, .attempts = init_attempts, .status = session.status()});
    ++stats.given_up;
    // Do not spin on a gateway that refuses sessions for good.
    clock_.SleepFor(options_.client.retry.max_backoff);
    return;
  }
  ++stats.sessions_started;
  const std::string& session_id = (*session)->id();

  // The SDK numbers the payloads 1, 2, ...; a payload given up keeps its id.
  for (uint64_t payload_id = (*session)->next_payload_id();
       payload_id <= static_cast<uint64_t>(options_.payloads_per_session) &&
       clock_.Now() < load_end;
       payload_id = (*session)->next_payload_id()) {
    const bool stream = options_.stream_every > 0 &&
                        payload_id % static_cast<uint64_t>(options_.stream_every) == 0;
    ingest::v1::PayloadContent content =
        (stream ? streamed_ : unary_).Make(session_index, payload_id);
    // What the worker must store byte for byte.
    const std::string serialized = content.SerializeAsString();
    const absl::StatusOr<client::PushResult> pushed = (*session)->Push(std::move(content));
    const int push_attempts = attempts.TakeAttempts();
    observer_.OnCallDone(push_attempts);
    if (pushed.ok()) {
      ledger_.Record({.session_id = session_id,
                      .payload_id = pushed->payload_id,
                      .size_bytes = serialized.size(),
                      .sha256_hex = Sha256Hex(serialized)});
      recorder_.RecordAck(clock_.Now());
      ++stats.acked;
    } else {
      observer_.OnGiveUp({.thread_index = thread_index,
                          .session_id = session_id,
                          .payload_id = payload_id,
                          .attempts = push_attempts,
                          .status = pushed.status()});
      ++stats.given_up;
    }
    clock_.SleepFor(options_.payload_interval);
  }
}

}  // namespace ingest::chaos
