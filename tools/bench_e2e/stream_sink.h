#pragma once

// Large payloads as a MessageSink: each message is one PushPayloadStream
// call (header with the exact total_bytes and SHA-256, then chunk messages
// generated as they are written), so tools/bench's closed loop measures
// streamed payloads as it measures unary ones.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tools/bench/gateway_client.h"
#include "tools/bench/gateway_sink.h"
#include "tools/bench/message_sink.h"
#include "tools/bench/stream_content.h"
#include "tools/bench/timer.h"

namespace ingest::bench_e2e {

// One payload's content and its SHA-256 (computed once).
struct StreamPayload {
  bench::StreamContent content;
  std::string sha256;
};

// Lane i streams session i's payloads one at a time (payload_id 1, 2, ...
// from `sessions`); message k of the sink is payloads[k mod size], over
// connection i mod channels. RESOURCE_EXHAUSTED is retried with the same
// payload_id after the gateway's retry-after-ms hint (20 ms without one, at
// most 1 s) and counted as backpressure; any other failure, or an answer
// reporting other bytes or another SHA-256, fails the message. Thread-safe;
// every collaborator must outlive all callbacks.
class StreamSink final : public bench::MessageSink {
 public:
  StreamSink(bench::GatewayClient& client, bench::Sessions& sessions, int lanes,
             const std::vector<StreamPayload>& payloads, int64_t chunk_bytes,
             absl::Duration timeout, bench::Timer& timer)
      : client_(client),
        sessions_(sessions),
        lanes_(lanes),
        payloads_(payloads),
        chunk_bytes_(chunk_bytes),
        timeout_(timeout),
        timer_(timer) {}

  int lane_count() const override { return lanes_; }
  void Send(int lane, bench::AckCallback done) override;

  // Bytes handed to gRPC so far, all lanes (for a progress line).
  int64_t bytes_sent() const { return bytes_sent_.load(); }

 private:
  struct Call;
  void Start(std::shared_ptr<Call> call);

  bench::GatewayClient& client_;
  bench::Sessions& sessions_;
  const int lanes_;
  const std::vector<StreamPayload>& payloads_;
  const int64_t chunk_bytes_;
  const absl::Duration timeout_;
  bench::Timer& timer_;
  std::atomic<uint64_t> next_payload_{0};
  std::atomic<int64_t> bytes_sent_{0};
};

}  // namespace ingest::bench_e2e
