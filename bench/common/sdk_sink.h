#pragma once

// The gateway side of the benchmarks, through the client SDK (//client/cpp,
// the only way the tools talk to the gateway): a Client set up for a
// benchmark, its sessions, and a MessageSink whose lane i pushes session i's
// payloads with Session::PushAsync. The SDK does the retrying (RETRY.md):
// RESOURCE_EXHAUSTED with the gateway's pushback is resent with the same
// payload_id after at least that wait, and counted here as backpressure.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/common/message_sink.h"
#include "client/cpp/client.h"
#include "client/cpp/options.h"
#include "client/cpp/session.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::bench {

// Counts backpressure retries: attempts of a payload call that ended
// RESOURCE_EXHAUSTED and are retried after a wait (the gateway's pushback).
// A RESOURCE_EXHAUSTED without pushback (resent at once as a stream by the
// SDK) is not backpressure. Thread-safe.
class BackpressureCount {
 public:
  // For ClientOptions::observer; this object must outlive the Client.
  client::AttemptObserver Observer();
  // The retries counted since the previous Take().
  int64_t Take() { return count_.exchange(0); }

 private:
  std::atomic<int64_t> count_{0};
};

// What a benchmark needs of its Client.
struct BenchClientOptions {
  std::string address;  // HOST:PORT of the gateway
  std::string api_key;
  int channels = 4;  // HTTP/2 connections (both cores can work)
  absl::Duration call_deadline = absl::Seconds(30);
  absl::Duration stream_deadline = absl::Minutes(5);
  // How long the SDK keeps retrying one call (a gateway not yet reachable
  // at the start included) before it gives up.
  absl::Duration give_up_after = absl::Seconds(30);
  // Payloads of more serialized bytes go through PushPayloadStream.
  int64_t stream_threshold_bytes = int64_t{4} << 20;
  int64_t stream_chunk_bytes = int64_t{1} << 20;
  // The most payloads a benchmark keeps in flight (its lanes) and the
  // largest: PushAsync's budget is sized from them so that it never blocks
  // (the lanes are the bound).
  int max_lanes = 1;
  int64_t max_payload_bytes = 0;
  // TLS to the gateway (the SDK reads the files): plaintext without a CA.
  client::ClientOptions::TlsFiles tls;
};

// The Client; `backpressure` counts its backpressure retries and must
// outlive it.
absl::StatusOr<std::unique_ptr<client::Client>> CreateBenchClient(const BenchClientOptions& options,
                                                                  BackpressureCount& backpressure);

// `count` new sessions of `project_id` (InitializeSession through the SDK,
// several at a time), with client_version `client_name`, environment
// "bench" and client_id "<client_name>-<i>".
absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> StartSessions(
    client::Client& client, int count, const std::string& project_id,
    const std::string& client_name);

// The content of message k of a sink (any k is valid).
using ContentSource = std::function<const v1::PayloadContent&(uint64_t k)>;

// Lane i is session i: its payloads go out one at a time (the drivers never
// have two messages of one lane in flight) with ids 1, 2, ... from the SDK,
// message k of the sink carrying content(k). An Ack carries the SDK's final
// status and the backpressure retries counted since the previous Ack (so a
// phase's sum is its count). Requires lanes <= sessions.size(). Thread-safe;
// `sessions`, `content` and `backpressure` must outlive every callback.
class SdkSink final : public MessageSink {
 public:
  SdkSink(const std::vector<std::unique_ptr<client::Session>>& sessions, int lanes,
          ContentSource content, BackpressureCount& backpressure);

  int lane_count() const override { return lanes_; }
  void Send(int lane, AckCallback done) override;

  // The highest payload_id of `lane`'s session the gateway acknowledged (0
  // for none).
  uint64_t acked_through(int lane) const { return acked_[static_cast<size_t>(lane)].load(); }

 private:
  const std::vector<std::unique_ptr<client::Session>>& sessions_;
  const int lanes_;
  const ContentSource content_;
  BackpressureCount& backpressure_;
  std::atomic<uint64_t> next_message_{0};
  std::unique_ptr<std::atomic<uint64_t>[]> acked_;
};

}  // namespace ingest::bench
