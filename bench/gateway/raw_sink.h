#pragma once

// The baseline side: the pool's Task records produced straight to Kafka with
// the project's librdkafka producer (the gateway's own configuration: acks=all,
// idempotence, zstd, linger 5 ms), no gRPC in between.

#include <atomic>
#include <memory>
#include <string>

#include "services/common/kafka/producer.h"
#include "bench/common/message_sink.h"
#include "bench/common/payload_pool.h"
#include "bench/common/timer.h"

namespace ingest::bench {

// Lanes only bound the records in flight; each record takes the pool's next
// body and its key. A full local queue (RESOURCE_EXHAUSTED from Produce) is
// retried after 5 ms and counted as backpressure. Thread-safe; `producer`,
// `pool` and `timer` must outlive every callback.
class RawSink final : public MessageSink {
 public:
  RawSink(Producer& producer, std::string topic, const PayloadPool& pool, Timer& timer, int lanes)
      : producer_(producer), topic_(std::move(topic)), pool_(pool), timer_(timer), lanes_(lanes) {}

  int lane_count() const override { return lanes_; }
  void Send(int lane, AckCallback done) override;

 private:
  void Attempt(std::shared_ptr<AckCallback> done, uint64_t index, int retries);

  Producer& producer_;
  const std::string topic_;
  const PayloadPool& pool_;
  Timer& timer_;
  const int lanes_;
  std::atomic<uint64_t> next_index_{0};
};

}  // namespace ingest::bench
