#pragma once

// An in-memory SessionDatabase for broker-proxy's tests: sessions by id for
// ReadSession, and list entries that ListSessions filters, orders and pages
// as the PostgreSQL one does (created_at descending, then session_id
// descending bytewise). Records the list queries it was sent; can be told
// to fail. Thread-safe.

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/broker_proxy/session_database.h"

namespace ingest {

class FakeSessionDatabase final : public SessionDatabase {
 public:
  void PutSession(const std::string& session_id, SessionFacts facts) {
    absl::MutexLock lock(&mutex_);
    sessions_[session_id] = std::move(facts);
  }
  void AddListEntry(SessionListEntry entry) {
    absl::MutexLock lock(&mutex_);
    entries_.push_back(std::move(entry));
  }
  // Every later call answers `status` (OK: answers again).
  void Fail(absl::Status status) {
    absl::MutexLock lock(&mutex_);
    failure_ = std::move(status);
  }
  std::vector<SessionListQuery> list_queries() {
    absl::MutexLock lock(&mutex_);
    return list_queries_;
  }

  absl::StatusOr<std::optional<SessionFacts>> ReadSession(const std::string& session_id) override {
    absl::MutexLock lock(&mutex_);
    if (!failure_.ok()) return failure_;
    auto it = sessions_.find(session_id);
    if (it == sessions_.end()) return std::optional<SessionFacts>();
    return std::optional<SessionFacts>(it->second);
  }

  absl::StatusOr<std::vector<SessionListEntry>> ListSessions(
      const SessionListQuery& query) override {
    absl::MutexLock lock(&mutex_);
    list_queries_.push_back(query);
    if (!failure_.ok()) return failure_;
    std::vector<SessionListEntry> sorted = entries_;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return Before(a.cursor(), b.cursor());
    });
    std::vector<SessionListEntry> out;
    for (const SessionListEntry& entry : sorted) {
      if (static_cast<int>(out.size()) >= query.limit) break;
      if (!query.project_id.empty() && entry.project_id != query.project_id) continue;
      if (!query.lifecycle.empty() && entry.lifecycle != query.lifecycle) continue;
      if (query.created_since && entry.created_at < *query.created_since) continue;
      if (query.after && !Before(*query.after, entry.cursor())) continue;
      out.push_back(entry);
    }
    return out;
  }

 private:
  // Whether `a` comes before `b` in listing order.
  static bool Before(const SessionCursor& a, const SessionCursor& b) {
    if (a.created_at != b.created_at) return a.created_at > b.created_at;
    return a.session_id > b.session_id;
  }

  absl::Mutex mutex_;
  std::map<std::string, SessionFacts> sessions_ ABSL_GUARDED_BY(mutex_);
  std::vector<SessionListEntry> entries_ ABSL_GUARDED_BY(mutex_);
  std::vector<SessionListQuery> list_queries_ ABSL_GUARDED_BY(mutex_);
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ingest
