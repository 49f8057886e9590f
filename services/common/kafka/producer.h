#pragma once

// Producer: the gateway's narrow view of Kafka.
//
// Contract: a record handed to Produce() is either refused at once (an error
// is returned and the callback never runs) or accepted, in which case the
// callback runs exactly once, on the producer's delivery thread, when the
// broker acknowledged the record (acks=all) or it definitively failed. An OK
// delivery means the record is durably in Kafka; nothing else does.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/kafka/record_headers.h"

namespace ingest {

// Where an acknowledged record was stored.
struct RecordPosition {
  int32_t partition = -1;
  int64_t offset = -1;
};

using DeliveryCallback = absl::AnyInvocable<void(absl::StatusOr<RecordPosition>) &&>;

class Producer {
 public:
  virtual ~Producer() = default;

  // Enqueues `value` for `topic`, partitioned by `key`. Takes ownership of the
  // bytes without copying them. Thread-safe.
  virtual absl::Status Produce(absl::string_view topic, std::string key, std::string value,
                               DeliveryCallback on_delivery) = 0;

  // Produce() with record headers. Producers that cannot carry headers
  // refuse with UNIMPLEMENTED.
  virtual absl::Status ProduceWithHeaders(absl::string_view topic, std::string key,
                                          std::string value, RecordHeaders headers,
                                          DeliveryCallback on_delivery) {
    (void)topic, (void)key, (void)value, (void)headers, (void)on_delivery;
    return absl::UnimplementedError("this producer cannot send record headers");
  }

  // ProduceWithHeaders() to partition `partition` of `topic` exactly (not
  // by the key's hash): for records that must land where others were, e.g.
  // a redrive to the partition a session was quarantined in. Producers
  // that cannot choose a partition refuse with UNIMPLEMENTED.
  virtual absl::Status ProduceToPartition(absl::string_view topic, int32_t partition,
                                          std::string key, std::string value,
                                          RecordHeaders headers, DeliveryCallback on_delivery) {
    (void)topic, (void)partition, (void)key, (void)value, (void)headers, (void)on_delivery;
    return absl::UnimplementedError("this producer cannot produce to a chosen partition");
  }

  // Waits up to `timeout` for every accepted record's callback to have run.
  virtual absl::Status Flush(absl::Duration timeout) = 0;

  // Asks the cluster for `topic`'s metadata: OK once a broker answered.
  virtual absl::Status CheckReachable(absl::string_view topic, absl::Duration timeout) = 0;

  // FAILED_PRECONDITION once the producer can no longer deliver anything
  // (librdkafka's fatal errors, e.g. a broken idempotence sequence): every
  // Produce() fails from then on, and it must be replaced.
  virtual absl::Status Health() const { return absl::OkStatus(); }

  // For a liveness probe: not OK while the producer is failing, before
  // Health() gives up (a RecreatingProducer whose replacements keep failing).
  virtual absl::Status Liveness() const { return Health(); }
};

}  // namespace ingest
