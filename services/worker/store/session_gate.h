#pragma once

// The first step of every PersistBatches transaction: which sessions of the
// batch may be written, and the expire_day their rows carry
// (services/common/retention/README.md).
//
//   1. The sessions' erasure locks are taken shared (session_locks.h): an
//      erasure of one of them either finished before (its tombstone is
//      seen below) or waits for this transaction to commit (and then
//      deletes what it wrote).
//   2. One statement reads the tombstones and each session's expire_day, and
//      creates the row of each new session with its day: the UTC day of
//      its first record in the batch plus its record's retention (the
//      project's, stamped by the gateway; `default_retention_days` for a
//      record of an older gateway). It also notes each retention in
//      retention_classes, so partitions are created ahead for it.
// A session is refused when it was erased, or when it is new and its day has
// passed already (a replay of records older than their retention): its
// records are dropped and counted, never stored.

#include <map>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/pg/connection.h"
#include "services/common/retention/expire_day.h"

namespace ingest {

// A session as its first record in the batch shows it.
struct GateEntry {
  std::string project_id;
  absl::Time received_at;
  int retention_days = 0;  // 0: the default
};

enum class GateVerdict { kAdmitted, kErased, kExpired };

class SessionGate {
 public:
  GateVerdict VerdictOf(const std::string& session_id) const;
  // The day of an admitted session's rows.
  ExpireDay DayOf(const std::string& session_id) const;

  void Admit(const std::string& session_id, ExpireDay day) {
    days_.insert_or_assign(session_id, day);
  }
  void Refuse(const std::string& session_id, GateVerdict verdict) {
    refused_.insert_or_assign(session_id, verdict);
  }

 private:
  absl::flat_hash_map<std::string, ExpireDay> days_;
  absl::flat_hash_map<std::string, GateVerdict> refused_;
};

absl::StatusOr<SessionGate> OpenSessionGate(PgConnection& db,
                                            const std::map<std::string, GateEntry>& sessions,
                                            int default_retention_days);

}  // namespace ingest
