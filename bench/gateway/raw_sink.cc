#include "bench/gateway/raw_sink.h"

#include <memory>
#include <utility>

namespace ingest::bench {

void RawSink::Send(int /*lane*/, AckCallback done) {
  Attempt(std::make_shared<AckCallback>(std::move(done)), next_index_.fetch_add(1), 0);
}

void RawSink::Attempt(std::shared_ptr<AckCallback> done, uint64_t index, int retries) {
  // The value is copied: Produce takes ownership and the pool is reused.
  const absl::Status status =
      producer_.Produce(topic_, pool_.raw_key(index), pool_.raw_value(index),
                        [done, retries](absl::StatusOr<RecordPosition> delivered) {
                          std::move (*done)(Ack{delivered.status(), retries});
                        });
  if (status.ok()) return;
  if (absl::IsResourceExhausted(status)) {
    clock_.RunAfter(absl::Milliseconds(5),
                    [this, done, index, retries] { Attempt(done, index, retries + 1); });
    return;
  }
  // Never call back inside Send.
  clock_.RunAfter(absl::ZeroDuration(), [done, status, retries] {
    std::move (*done)(Ack{status, retries});
  });
}

}  // namespace ingest::bench
