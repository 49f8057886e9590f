#pragma once

// The gateway side: PushPayload calls through GatewayClient, one session per
// lane.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/gateway_client.h"
#include "tools/bench/message_sink.h"
#include "tools/bench/payload_pool.h"
#include "tools/bench/timer.h"

namespace ingest::bench {

// The sessions of a run and each one's next payload_id. Ids continue across
// phases: the gateway wants them strictly increasing per session.
// Thread-safe for distinct sessions; a session is used by one call at a time.
class Sessions {
 public:
  explicit Sessions(std::vector<std::string> ids);

  int size() const { return static_cast<int>(ids_.size()); }
  const std::string& id(int i) const { return ids_[static_cast<size_t>(i)]; }

  uint64_t next_payload_id(int i) const { return next_[static_cast<size_t>(i)].load(); }
  // Takes the next payload_id of session i (for a call that is not a
  // PushPayload, e.g. a stream).
  uint64_t TakePayloadId(int i) { return next_[static_cast<size_t>(i)].fetch_add(1); }
  void Advance(int i) { next_[static_cast<size_t>(i)].fetch_add(1); }

 private:
  std::vector<std::string> ids_;
  std::unique_ptr<std::atomic<uint64_t>[]> next_;
};

// Lane i is session i: its payloads go out one at a time, payload_id 1, 2, ...
// with the pool's next body. RESOURCE_EXHAUSTED is retried with the same
// payload_id after the gateway's retry-after-ms hint (20 ms without one,
// capped at 1 s) and counted as backpressure; any other status fails the
// message. Thread-safe; every collaborator must outlive all callbacks.
class GatewaySink final : public MessageSink {
 public:
  GatewaySink(GatewayClient& client, Sessions& sessions, int lanes, const PayloadPool& pool,
              Timer& timer)
      : client_(client), sessions_(sessions), lanes_(lanes), pool_(pool), timer_(timer) {}

  int lane_count() const override { return lanes_; }
  void Send(int lane, AckCallback done) override;

 private:
  struct Call;
  void Start(std::unique_ptr<Call> call);
  void OnDone(std::unique_ptr<Call> call, const grpc::Status& status);

  GatewayClient& client_;
  Sessions& sessions_;
  const int lanes_;
  const PayloadPool& pool_;
  Timer& timer_;
  std::atomic<uint64_t> next_body_{0};
};

}  // namespace ingest::bench
