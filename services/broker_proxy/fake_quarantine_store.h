#pragma once

// An in-memory QuarantineStore for broker-proxy's tests: quarantines keyed by
// (topic, session), marked like the PostgreSQL one (only the quarantine that
// began at the offset given). Can be told to fail. Thread-safe.

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "services/broker_proxy/quarantine_store.h"

namespace ingest {

class FakeQuarantineStore final : public QuarantineStore {
 public:
  void Put(const std::string& topic, const std::string& session_id, Quarantine quarantine) {
    absl::MutexLock lock(&mutex_);
    rows_[{topic, session_id}] = std::move(quarantine);
  }
  std::optional<Quarantine> Get(const std::string& topic, const std::string& session_id) {
    absl::MutexLock lock(&mutex_);
    auto it = rows_.find({topic, session_id});
    if (it == rows_.end()) return std::nullopt;
    return it->second;
  }
  // The next MarkRedrive first finds the quarantine begun anew at
  // `first_offset` (as if the worker lifted it and quarantined again).
  void RequarantineBeforeMark(int64_t first_offset) {
    absl::MutexLock lock(&mutex_);
    requarantine_at_ = first_offset;
  }
  void Erase(const std::string& session_id, SessionErasure erasure) {
    absl::MutexLock lock(&mutex_);
    erasures_[session_id] = erasure;
  }
  void Fail(absl::Status status) {
    absl::MutexLock lock(&mutex_);
    failure_ = std::move(status);
  }
  int marks() {
    absl::MutexLock lock(&mutex_);
    return marks_;
  }

  absl::StatusOr<std::optional<Quarantine>> ReadQuarantine(
      const std::string& topic, const std::string& session_id) override {
    absl::MutexLock lock(&mutex_);
    if (!failure_.ok()) return failure_;
    auto it = rows_.find({topic, session_id});
    if (it == rows_.end()) return std::optional<Quarantine>();
    return std::optional<Quarantine>(it->second);
  }
  absl::StatusOr<std::optional<SessionErasure>> ReadErasure(
      const std::string& session_id) override {
    absl::MutexLock lock(&mutex_);
    if (!failure_.ok()) return failure_;
    auto it = erasures_.find(session_id);
    if (it == erasures_.end()) return std::optional<SessionErasure>();
    return std::optional<SessionErasure>(it->second);
  }
  absl::StatusOr<bool> MarkRedrive(const std::string& topic, const std::string& session_id,
                                   int64_t first_offset, const std::string& redrive_id) override {
    absl::MutexLock lock(&mutex_);
    ++marks_;
    if (!failure_.ok()) return failure_;
    auto it = rows_.find({topic, session_id});
    if (it != rows_.end() && requarantine_at_.has_value()) {
      it->second.first_offset = *requarantine_at_;
      requarantine_at_.reset();
    }
    if (it == rows_.end() || it->second.first_offset != first_offset) return false;
    it->second.redrive_id = redrive_id;
    return true;
  }

 private:
  absl::Mutex mutex_;
  std::map<std::pair<std::string, std::string>, Quarantine> rows_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, SessionErasure> erasures_ ABSL_GUARDED_BY(mutex_);
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);
  int marks_ ABSL_GUARDED_BY(mutex_) = 0;
  std::optional<int64_t> requarantine_at_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ingest
