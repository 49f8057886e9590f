#pragma once

// The message bodies of one benchmark size, built before a phase starts.
//
// Both sides send the same bytes: the gateway side sends `content(i)` in a
// PushPayloadRequest; the raw side produces `raw_value(i)`, the Task record
// the gateway would build from that request (its facts included, read by
// services/common/facts as the gateway reads them), keyed by `raw_key(i)`. The pool
// holds many distinct bodies (rrweb-like JSON from the load generator's
// PayloadFactory) used round-robin, so neighbouring records of one Kafka batch
// differ as real ones do (zstd must not find whole repeated records), and the
// client spends no CPU on content while it measures.

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/v1/ingest.pb.h"

namespace ingest::bench {

struct PayloadPoolOptions {
  int64_t message_bytes = 100 * 1024;  // serialized PayloadContent, >= 1024
  // Distinct bodies: enough to fill `pool_bytes`, at least `min_messages`.
  int64_t pool_bytes = int64_t{32} << 20;
  int min_messages = 16;
  // Distinct record keys of the raw side (session ids), spread over partitions.
  int raw_keys = 256;
  std::string project_id = "demo-project";
  uint64_t seed = 1;
};

// Immutable after Build(); safe to share between threads.
class PayloadPool {
 public:
  // Requires message_bytes >= 1024 (the PayloadFactory minimum; aborts
  // otherwise, so validate options first).
  static PayloadPool Build(const PayloadPoolOptions& options);

  int64_t message_bytes() const { return message_bytes_; }
  size_t size() const { return contents_.size(); }

  // Indexes wrap around: any i is valid.
  const v1::PayloadContent& content(uint64_t i) const { return contents_[i % contents_.size()]; }
  const std::string& raw_key(uint64_t i) const { return keys_[i % contents_.size()]; }
  const std::string& raw_value(uint64_t i) const { return values_[i % contents_.size()]; }

 private:
  int64_t message_bytes_ = 0;
  std::vector<v1::PayloadContent> contents_;
  std::vector<std::string> keys_;    // session id of each raw record
  std::vector<std::string> values_;  // EncodeTask() of each raw record
};

// How many bodies Build() makes for `options`.
int64_t PoolMessageCount(const PayloadPoolOptions& options);

}  // namespace ingest::bench
