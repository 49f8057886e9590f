#pragma once

// An in-memory Producer for broker-proxy's tests: records every record it
// is handed (topic, partition, key, value, headers) and delivers it at once,
// on the calling thread, at the next offset of its partition. Can be told
// to refuse records, or to fail deliveries from the n-th record on.
// Thread-safe.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/common/kafka/producer.h"
#include "services/common/kafka/record_headers.h"

namespace ingest {

class FakeProducer final : public Producer {
 public:
  struct Record {
    std::string topic;
    int32_t partition = -1;  // -1: by key
    std::string key;
    std::string value;
    RecordHeaders headers;
    int64_t offset = -1;  // assigned on delivery; -1 if it failed

    // The last value of header `name`, or "<absent>".
    std::string Header(const std::string& name) const {
      const std::string* value = FindHeader(headers, name);
      return value != nullptr ? *value : "<absent>";
    }
  };

  // The next record of (`topic`, `partition`) gets `offset`.
  void SetNextOffset(const std::string& topic, int32_t partition, int64_t offset) {
    absl::MutexLock lock(&mutex_);
    next_offsets_[{topic, partition}] = offset;
  }
  // Deliveries of the `n`-th record handed over (0-based) and later fail
  // with `status`.
  void FailDeliveriesFrom(int n, absl::Status status) {
    absl::MutexLock lock(&mutex_);
    fail_from_ = n;
    failure_ = std::move(status);
  }
  // Produce calls are refused with `status` (OK: accepted again).
  void Refuse(absl::Status status) {
    absl::MutexLock lock(&mutex_);
    refusal_ = std::move(status);
  }
  std::vector<Record> records() {
    absl::MutexLock lock(&mutex_);
    return records_;
  }
  int flushes() {
    absl::MutexLock lock(&mutex_);
    return flushes_;
  }

  absl::Status Produce(absl::string_view topic, std::string key, std::string value,
                       DeliveryCallback on_delivery) override {
    return Add(topic, -1, std::move(key), std::move(value), {}, std::move(on_delivery));
  }
  absl::Status ProduceWithHeaders(absl::string_view topic, std::string key, std::string value,
                                  RecordHeaders headers, DeliveryCallback on_delivery) override {
    return Add(topic, -1, std::move(key), std::move(value), std::move(headers),
               std::move(on_delivery));
  }
  absl::Status ProduceToPartition(absl::string_view topic, int32_t partition, std::string key,
                                  std::string value, RecordHeaders headers,
                                  DeliveryCallback on_delivery) override {
    return Add(topic, partition, std::move(key), std::move(value), std::move(headers),
               std::move(on_delivery));
  }
  absl::Status Flush(absl::Duration) override {
    absl::MutexLock lock(&mutex_);
    ++flushes_;
    return absl::OkStatus();
  }
  absl::Status CheckReachable(absl::string_view, absl::Duration) override {
    return absl::OkStatus();
  }

 private:
  absl::Status Add(absl::string_view topic, int32_t partition, std::string key, std::string value,
                   RecordHeaders headers, DeliveryCallback on_delivery) {
    absl::StatusOr<RecordPosition> outcome;
    {
      absl::MutexLock lock(&mutex_);
      if (!refusal_.ok()) return refusal_;
      Record record{std::string(topic), partition, std::move(key), std::move(value),
                    std::move(headers)};
      if (fail_from_ >= 0 && static_cast<int>(records_.size()) >= fail_from_) {
        outcome = failure_;
      } else {
        record.offset = next_offsets_[{record.topic, partition}]++;
        outcome = RecordPosition{partition, record.offset};
      }
      records_.push_back(std::move(record));
    }
    std::move(on_delivery)(std::move(outcome));
    return absl::OkStatus();
  }

  absl::Mutex mutex_;
  std::vector<Record> records_ ABSL_GUARDED_BY(mutex_);
  std::map<std::pair<std::string, int32_t>, int64_t> next_offsets_ ABSL_GUARDED_BY(mutex_);
  int fail_from_ ABSL_GUARDED_BY(mutex_) = -1;
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);
  absl::Status refusal_ ABSL_GUARDED_BY(mutex_);
  int flushes_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace ingest
