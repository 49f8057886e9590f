#pragma once

// The one thing a benchmark phase needs from the system under test: send a
// message and be told when it is acknowledged. The raw producer and the
// client SDK (sdk_sink.h) both implement it, so the same driver measures
// both sides.

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

namespace ingest::bench {

// How a message ended.
struct Ack {
  // OK once durably acknowledged (acks=all); otherwise why it failed for good.
  absl::Status status;
  // RESOURCE_EXHAUSTED refusals that were backed off and retried: this
  // message's, or (sdk_sink.h) those counted since the sink's previous Ack.
  // Either way a phase's sum is its count.
  int backpressure_retries = 0;
};

using AckCallback = absl::AnyInvocable<void(Ack) &&>;

// A sink has `lane_count()` lanes. A lane carries one message at a time (for
// the gateway a lane is a session, whose payloads are strictly sequential);
// lanes are independent of one another.
class MessageSink {
 public:
  virtual ~MessageSink() = default;

  virtual int lane_count() const = 0;

  // Sends the next message of `lane`. The caller never has two messages of one
  // lane in flight. `done` runs exactly once, on a thread of the sink (never
  // inside Send), when the message is acknowledged or has failed. Thread-safe.
  virtual void Send(int lane, AckCallback done) = 0;
};

}  // namespace ingest::bench
