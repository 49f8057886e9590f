#include "bench/common/sdk_sink.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench {

client::AttemptObserver BackpressureCount::Observer() {
  return [this](const client::AttemptInfo& attempt) {
    if ((attempt.rpc == "PushPayload" || attempt.rpc == "PushPayloadStream") &&
        attempt.status.code() == absl::StatusCode::kResourceExhausted &&
        attempt.next_wait.has_value()) {
      count_.fetch_add(1);
    }
  };
}

absl::StatusOr<std::unique_ptr<client::Client>> CreateBenchClient(const BenchClientOptions& options,
                                                                  BackpressureCount& backpressure) {
  client::ClientOptions sdk;
  sdk.targets = {options.address};
  sdk.api_key = options.api_key;
  sdk.channels_per_target = options.channels;
  sdk.call_deadline = options.call_deadline;
  sdk.stream_deadline = options.stream_deadline;
  sdk.tls = options.tls;
  // A backpressure retry waits the gateway's retry-after (the SDK's floor),
  // not the default first backoff of up to 100 ms: the benchmark measures
  // the gateway, and its retry-after says when it takes more.
  sdk.retry.initial_backoff = absl::Milliseconds(1);
  sdk.retry.max_backoff = absl::Seconds(1);
  sdk.retry.max_elapsed = options.give_up_after;
  sdk.stream_threshold_bytes = options.stream_threshold_bytes;
  sdk.stream_chunk_bytes = options.stream_chunk_bytes;
  // A lane's callback sends its next payload before the SDK releases the
  // finished one's share, so up to twice the lanes are admitted at once.
  const int64_t lanes = std::max(options.max_lanes, 1);
  sdk.max_async_calls = static_cast<int>(2 * lanes);
  sdk.async_budget_bytes = 2 * lanes * std::max<int64_t>(options.max_payload_bytes, 1 << 20);
  sdk.observer = backpressure.Observer();
  return client::Client::Create(std::move(sdk));
}

absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> StartSessions(
    client::Client& client, int count, const std::string& project_id,
    const std::string& client_name) {
  constexpr int kConcurrent = 16;
  std::vector<std::unique_ptr<client::Session>> sessions(static_cast<size_t>(count));
  // Thread t starts sessions t, t + kConcurrent, ... and stops at its first error.
  std::vector<absl::Status> errors(kConcurrent);
  std::vector<std::thread> threads;
  for (int t = 0; t < std::min(count, kConcurrent); ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < count && errors[static_cast<size_t>(t)].ok(); i += kConcurrent) {
        v1::InitializeSessionRequest request;
        request.set_project_id(project_id);
        request.set_client_version(client_name);
        request.set_environment("bench");
        request.set_client_id(absl::StrCat(client_name, "-", i));
        absl::StatusOr<std::unique_ptr<client::Session>> session = client.StartSession(request);
        if (session.ok()) {
          sessions[static_cast<size_t>(i)] = *std::move(session);
        } else {
          errors[static_cast<size_t>(t)] = session.status();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& error : errors) RETURN_IF_ERROR(error);
  return sessions;
}

SdkSink::SdkSink(const std::vector<std::unique_ptr<client::Session>>& sessions, int lanes,
                 ContentSource content, BackpressureCount& backpressure)
    : sessions_(sessions),
      lanes_(lanes),
      content_(std::move(content)),
      backpressure_(backpressure),
      acked_(new std::atomic<uint64_t>[static_cast<size_t>(std::max(lanes_, 1))]) {
  for (int i = 0; i < lanes_; ++i) acked_[static_cast<size_t>(i)].store(0);
}

void SdkSink::Send(int lane, AckCallback done) {
  sessions_[static_cast<size_t>(lane)]->PushAsync(
      content_(next_message_.fetch_add(1)), {},
      [this, lane, done = std::move(done)](absl::StatusOr<client::PushResult> result) mutable {
        if (result.ok()) acked_[static_cast<size_t>(lane)].store(result->payload_id);
        std::move(done)(Ack{result.status(), static_cast<int>(backpressure_.Take())});
      });
}

}  // namespace ingest::bench
