#pragma once

// The baseline side: the pool's Task records produced straight to Kafka with
// the project's librdkafka producer (the gateway's own configuration: acks=all,
// idempotence, zstd, linger 5 ms), no gRPC in between.

#include <atomic>
#include <memory>
#include <string>

#include "bench/common/message_sink.h"
#include "bench/common/payload_pool.h"
#include "client/cpp/clock.h"
#include "services/common/kafka/producer.h"

namespace ingest::bench {

// Lanes only bound the records in flight; each record takes the pool's next
// body and its key. A full local queue (RESOURCE_EXHAUSTED from Produce) is
// retried after 5 ms (on `clock`'s thread, not librdkafka's) and counted as
// backpressure. Thread-safe; `producer`, `pool` and `clock` must outlive
// every callback.
class RawSink final : public MessageSink {
 public:
  RawSink(Producer& producer, std::string topic, const PayloadPool& pool, client::Clock& clock,
          int lanes)
      : producer_(producer), topic_(std::move(topic)), pool_(pool), clock_(clock), lanes_(lanes) {}

  int lane_count() const override { return lanes_; }
  void Send(int lane, AckCallback done) override;

 private:
  void Attempt(std::shared_ptr<AckCallback> done, uint64_t index, int retries);

  Producer& producer_;
  const std::string topic_;
  const PayloadPool& pool_;
  client::Clock& clock_;
  const int lanes_;
  std::atomic<uint64_t> next_index_{0};
};

}  // namespace ingest::bench
