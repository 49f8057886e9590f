#include "tools/chaos/load_driver.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/loadgen/session_driver.h"

namespace ingest::chaos {
namespace {

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
                       console::Console& console, client::Clock& clock, client::Clock* sdk_clock)
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
    threads.emplace_back(
        [this, i, load_end, &per_thread] { per_thread[i] = RunThread(i, load_end); });
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
  client::ClientOptions client = client_;
  client.targets = RotatedTargets(client_.targets, thread_index);
  loadgen::SessionDriver sessions(
      {.log_prefix = absl::StrCat("chaos ", options_.name),
       .client_name = "chaos_load",
       .environment = "chaos",
       .project_id = options_.project_id,
       .payloads_per_session = options_.payloads_per_session,
       .seed = options_.seed,
       .client = std::move(client),
       .stream_every = options_.stream_every,
       .streamed = &streamed_,
       .payload_interval = options_.payload_interval,
       .clock = &clock_,
       .unload_with_last_payload = false,
       .log_retries = false,
       .on_attempt =
           [this](const client::AttemptInfo& info) { recorder_.RecordAttempt(info, clock_.Now()); },
       .on_ack = [this] { recorder_.RecordAck(clock_.Now()); }},
      unary_, ledger_, console_);
  LoadStats stats;
  for (int generation = 0; clock_.Now() < load_end; ++generation) {
    const loadgen::SessionResult session =
        sessions.Run(generation * options_.sessions + thread_index, load_end);
    stats.acked += session.acked;
    stats.given_up += session.given_up;
    if (session.session_id.empty()) {
      // Do not spin on a gateway that refuses sessions for good.
      clock_.SleepFor(client_.retry.max_backoff);
    } else {
      ++stats.sessions_started;
    }
  }
  return stats;
}

}  // namespace ingest::chaos
