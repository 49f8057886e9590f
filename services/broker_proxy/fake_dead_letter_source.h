#pragma once

// An in-memory DeadLetterSource for broker-proxy's tests: topics of
// partitions of records, scanned like ScanTopic (round robin over the
// partitions, each in offset order). Can be told to stop after a number of
// records as if the deadline passed, or to fail. Thread-safe.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/broker_proxy/dead_letter_source.h"

namespace ingest {

class FakeDeadLetterSource final : public DeadLetterSource {
 public:
  // Appends a record to `topic`'s partition `record.partition` (which is
  // created, with the partitions below it); its offset is the next one.
  void Add(const std::string& topic, TopicRecord record) {
    absl::MutexLock lock(&mutex_);
    auto& partitions = topics_[topic];
    if (partitions.size() <= static_cast<size_t>(record.partition)) {
      partitions.resize(record.partition + 1);
    }
    record.offset = static_cast<int64_t>(partitions[record.partition].size());
    partitions[record.partition].push_back(std::move(record));
  }
  void AddTopic(const std::string& topic, int partitions) {
    absl::MutexLock lock(&mutex_);
    topics_[topic].resize(partitions);
  }
  // The next scans hand out at most `records` records, then report the
  // deadline passed (-1: no such limit).
  void CutAfter(int records) {
    absl::MutexLock lock(&mutex_);
    cut_after_ = records;
  }
  void Fail(absl::Status status) {
    absl::MutexLock lock(&mutex_);
    failure_ = std::move(status);
  }
  int scans() {
    absl::MutexLock lock(&mutex_);
    return scans_;
  }

  absl::StatusOr<TopicScanEnd> Scan(const std::string& topic,
                                    const std::map<int32_t, int64_t>& from, absl::Time,
                                    absl::FunctionRef<bool(const TopicRecord&)> visit) override {
    absl::MutexLock lock(&mutex_);
    ++scans_;
    if (!failure_.ok()) return failure_;
    auto it = topics_.find(topic);
    if (it == topics_.end()) return absl::NotFoundError(absl::StrCat("topic ", topic));
    const auto& partitions = it->second;
    TopicScanEnd end;
    std::vector<size_t> position(partitions.size());
    for (size_t p = 0; p < partitions.size(); ++p) {
      auto start = from.find(static_cast<int32_t>(p));
      position[p] = start != from.end() ? static_cast<size_t>(start->second) : 0;
      end.next[static_cast<int32_t>(p)] = start != from.end() ? start->second : -2;
    }
    for (bool more = true; more;) {
      more = false;
      for (size_t p = 0; p < partitions.size(); ++p) {
        if (position[p] >= partitions[p].size()) continue;
        if (cut_after_ >= 0 && end.visited >= static_cast<size_t>(cut_after_)) return end;
        more = true;
        const TopicRecord& record = partitions[p][position[p]++];
        ++end.visited;
        end.next[record.partition] = record.offset + 1;
        if (!visit(record)) {
          end.stopped = true;
          return end;
        }
      }
    }
    for (size_t p = 0; p < partitions.size(); ++p) {
      end.next[static_cast<int32_t>(p)] = static_cast<int64_t>(partitions[p].size());
    }
    end.at_end = true;
    return end;
  }

 private:
  absl::Mutex mutex_;
  std::map<std::string, std::vector<std::vector<TopicRecord>>> topics_ ABSL_GUARDED_BY(mutex_);
  int cut_after_ ABSL_GUARDED_BY(mutex_) = -1;
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);
  int scans_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace ingest
