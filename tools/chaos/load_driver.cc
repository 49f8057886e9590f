#include "tools/chaos/load_driver.h"

#include <random>
#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/crypto/sha256.h"
#include "tools/loadgen/synthetic_client.h"

namespace ingest::chaos {

LoadDriver::LoadDriver(LoadOptions options,
                       std::vector<loadgen::IngestClient*> gateways,
                       const loadgen::PayloadFactory& unary,
                       const loadgen::PayloadFactory& streamed,
                       loadgen::Ledger& ledger, RunRecorder& recorder,
                       LoadObserver& observer, loadgen::Clock& clock)
    : options_(std::move(options)),
      gateways_(std::move(gateways)),
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

CallResult LoadDriver::Call(
    int thread_index, absl::BitGenRef jitter, bool stream,
    absl::FunctionRef<absl::Status(loadgen::IngestClient&)> rpc) {
  const CallResult result = CallWithFailover(
      options_.call, thread_index, static_cast<int>(gateways_.size()), clock_,
      jitter,
      [&](int gateway, int /*attempt*/) {
        const absl::Time start = clock_.Now();
        const absl::Status status = rpc(*gateways_[gateway]);
        recorder_.RecordAttempt({.start = start,
                                 .end = clock_.Now(),
                                 .code = status.code(),
                                 .stream = stream});
        return status;
      },
      [&](const RetryEvent& event) { observer_.OnRetry(event); });
  observer_.OnCallDone(result.attempts);
  return result;
}

LoadStats LoadDriver::RunThread(int thread_index, absl::Time load_end) {
  // Per-thread jitter stream: no state shared between threads.
  std::mt19937_64 jitter(options_.seed * 1'000'003 + thread_index);
  LoadStats stats;
  for (int generation = 0; clock_.Now() < load_end; ++generation) {
    const int session_index = generation * options_.sessions + thread_index;
    const ingest::v1::InitializeSessionRequest init =
        MakeInitializeRequest(options_, session_index);
    std::string session_id;
    const CallResult started =
        Call(thread_index, jitter, /*stream=*/false,
             [&](loadgen::IngestClient& client) {
               absl::StatusOr<std::string> id = client.InitializeSession(init);
               if (id.ok()) session_id = *std::move(id);
               return id.status();
             });
    if (!started.status.ok()) {
      observer_.OnGiveUp({.thread_index = thread_index,
                          .attempts = started.attempts,
                          .status = started.status});
      ++stats.given_up;
      // Do not spin on a gateway that refuses sessions for good.
      clock_.SleepFor(options_.call.backoff.max);
      continue;
    }
    ++stats.sessions_started;

    for (uint64_t payload_id = 1;
         payload_id <= static_cast<uint64_t>(options_.payloads_per_session) &&
         clock_.Now() < load_end;
         ++payload_id) {
      const bool stream =
          options_.stream_every > 0 &&
          payload_id % static_cast<uint64_t>(options_.stream_every) == 0;
      // The content is built once; every attempt sends the same bytes.
      std::string serialized;
      std::string digest;  // SHA-256 of `serialized`, 32 bytes
      CallResult pushed;
      if (stream) {
        serialized =
            streamed_.Make(session_index, payload_id).SerializeAsString();
        digest = Sha256(serialized);
        ingest::v1::PayloadStreamHeader header;
        header.set_session_id(session_id);
        header.set_payload_id(payload_id);
        header.set_content_encoding(ingest::v1::CONTENT_ENCODING_IDENTITY);
        header.set_total_bytes(serialized.size());
        header.set_sha256(digest);
        pushed = Call(thread_index, jitter, /*stream=*/true,
                      [&](loadgen::IngestClient& client) {
                        return client.PushPayloadStream(header, serialized);
                      });
      } else {
        ingest::v1::PushPayloadRequest push;
        push.set_session_id(session_id);
        push.set_payload_id(payload_id);
        push.set_content_encoding(ingest::v1::CONTENT_ENCODING_IDENTITY);
        *push.mutable_content() = unary_.Make(session_index, payload_id);
        serialized = push.content().SerializeAsString();
        digest = Sha256(serialized);
        pushed = Call(thread_index, jitter, /*stream=*/false,
                      [&](loadgen::IngestClient& client) {
                        return client.PushPayload(push);
                      });
      }
      if (pushed.status.ok()) {
        ledger_.Record({.session_id = session_id,
                        .payload_id = payload_id,
                        .size_bytes = serialized.size(),
                        .sha256_hex = absl::BytesToHexString(digest)});
        recorder_.RecordAck(clock_.Now());
        ++stats.acked;
      } else {
        observer_.OnGiveUp({.thread_index = thread_index,
                            .session_id = session_id,
                            .payload_id = payload_id,
                            .attempts = pushed.attempts,
                            .status = pushed.status});
        ++stats.given_up;
      }
      clock_.SleepFor(options_.payload_interval);
    }
  }
  return stats;
}

}  // namespace ingest::chaos
