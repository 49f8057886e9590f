#include "tools/chaos/load_driver.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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
  SessionAttempts(RunRecorder& recorder, loadgen::Clock& clock)
      : recorder_(recorder), clock_(clock) {}

  void OnAttempt(const client::AttemptInfo& info) {
    recorder_.RecordAttempt(info, clock_.Now());
    last_attempt_.store(info.attempt);
  }

  // The attempts of the call that just returned; resets for the next one.
  int TakeAttempts() { return last_attempt_.exchange(0); }

 private:
  RunRecorder& recorder_;
  loadgen::Clock& clock_;
  std::atomic<int> last_attempt_{0};
};

// `targets` starting from targets[first % size], wrapping around.
std::vector<std::string> RotatedTargets(const std::vector<std::string>& targets, int first) {
  std::vector<std::string> rotated(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) rotated[i] = targets[(first + i) % targets.size()];
  return rotated;
}

loadgen::PayloadFactory Factory(uint64_t seed, int64_t min_bytes, int64_t max_bytes) {
  // Streamed payloads are unused (and their size unchecked) without --stream_every.
  const auto at_least = [](int64_t bytes) {
    return std::max(static_cast<size_t>(bytes), loadgen::PayloadFactory::kMinSupportedBytes);
  };
  return loadgen::PayloadFactory(
      {.seed = seed, .min_bytes = at_least(min_bytes), .max_bytes = at_least(max_bytes)});
}

}  // namespace

LoadDriver::LoadDriver(const ChaosOptions& options, loadgen::Ledger& ledger, RunRecorder& recorder,
                       console::Console& console, loadgen::Clock& clock, client::Clock* sdk_clock)
    : options_(options),
      client_([&] {
        client::ClientOptions client = ClientOptionsFor(options);
        client.clock = sdk_clock;
        return client;
      }()),
      unary_(Factory(options.seed, options.min_payload_bytes, options.max_payload_bytes)),
      streamed_(Factory(options.seed, options.stream_bytes, options.stream_bytes)),
      ledger_(ledger),
      recorder_(recorder),
      console_(console),
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
  SessionAttempts attempts(recorder_, clock_);
  client::ClientOptions client_options = client_;
  client_options.targets = RotatedTargets(client_.targets, thread_index);
  client_options.observer = [&attempts](const client::AttemptInfo& info) {
    attempts.OnAttempt(info);
  };
  absl::StatusOr<std::unique_ptr<client::Client>> client =
      client::Client::Create(std::move(client_options));
  auto start_session = [&]() -> absl::StatusOr<std::unique_ptr<client::Session>> {
    if (!client.ok()) return client.status();
    return (*client)->StartSession(loadgen::SyntheticInitializeRequest(
        "chaos_load", "chaos", options_.project_id, options_.seed, session_index));
  };
  const absl::StatusOr<std::unique_ptr<client::Session>> session = start_session();
  if (!session.ok()) {
    GiveUp(absl::StrCat("InitializeSession of session index ", session_index),
           attempts.TakeAttempts(), session.status());
    ++stats.given_up;
    // Do not spin on a gateway that refuses sessions for good.
    clock_.SleepFor(client_.retry.max_backoff);
    return;
  }
  attempts.TakeAttempts();
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
    if (pushed.ok()) {
      ledger_.Record({.session_id = session_id,
                      .session_index = session_index,
                      .payload_id = pushed->payload_id,
                      .size_bytes = serialized.size(),
                      .sha256_hex = Sha256Hex(serialized)});
      recorder_.RecordAck(clock_.Now());
      ++stats.acked;
    } else {
      GiveUp(absl::StrCat("session ", session_id, " payload ", payload_id), push_attempts,
             pushed.status());
      ++stats.given_up;
    }
    clock_.SleepFor(options_.payload_interval);
  }
}

void LoadDriver::GiveUp(const std::string& call, int attempts, const absl::Status& status) {
  console_.Log(absl::StrCat("chaos ", options_.name, ": gave up on ", call, " after ", attempts,
                            " attempts: ", status.ToString()));
}

}  // namespace ingest::chaos
