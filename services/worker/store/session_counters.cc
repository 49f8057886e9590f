#include "services/worker/store/session_counters.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/pg/pg_text_array.h"

namespace ingest {
namespace {

// Locks the rows so the gaps computed from last_payload_id stay true until
// COMMIT.
constexpr char kLockLastIds[] = R"sql(
SELECT session_id, last_payload_id FROM sessions WHERE session_id = ANY($1::text[])
FOR UPDATE
)sql";

constexpr char kUpsertCounters[] = R"sql(
INSERT INTO sessions AS s (session_id, project_id, payload_count, last_payload_id,
                           payload_id_gaps, has_unloaded, conflicting_duplicates)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
                     $6::boolean[], $7::bigint[])
ON CONFLICT (session_id) DO UPDATE SET
  payload_count = s.payload_count + EXCLUDED.payload_count,
  last_payload_id = greatest(s.last_payload_id, EXCLUDED.last_payload_id),
  payload_id_gaps = greatest(0, greatest(s.last_payload_id, EXCLUDED.last_payload_id)
                                - (s.payload_count + EXCLUDED.payload_count)),
  has_unloaded = s.has_unloaded OR EXCLUDED.has_unloaded,
  conflicting_duplicates = s.conflicting_duplicates + EXCLUDED.conflicting_duplicates,
  updated_at = now()
)sql";

template <typename T>
PgParam ArrayParam(const std::vector<T>& values) {
  return PgParam::Text(absl::StrCat("{", absl::StrJoin(values, ","), "}"));
}

}  // namespace

SessionCounterDelta CountPayloadIds(uint64_t stored_last_payload_id,
                                    const std::vector<uint64_t>& ids) {
  SessionCounterDelta delta;
  uint64_t last = stored_last_payload_id;
  for (uint64_t id : ids) {
    ++delta.payload_count;
    if (id <= last) continue;
    delta.payload_id_gaps += static_cast<int64_t>(id - last - 1);
    last = delta.last_payload_id = id;
  }
  return delta;
}

absl::StatusOr<int64_t> UpdateSessionCounters(
    PgConnection& db, const std::map<std::string, SessionPayloads>& sessions) {
  if (sessions.empty()) return 0;
  std::vector<std::string> ids;
  for (const auto& [session_id, payloads] : sessions) ids.push_back(session_id);
  absl::StatusOr<PgResult> locked = db.Query(kLockLastIds, {PgParam::Text(ToPgTextArray(ids))});
  if (!locked.ok()) return locked.status();
  std::map<std::string, uint64_t> stored_last;
  for (int row = 0; row < PQntuples(locked->get()); ++row) {
    stored_last[PQgetvalue(locked->get(), row, 0)] =
        std::strtoull(PQgetvalue(locked->get(), row, 1), nullptr, 10);
  }

  std::vector<std::string> projects;
  std::vector<int64_t> counts;
  std::vector<uint64_t> last_ids;
  std::vector<int64_t> missing;  // of a session the upsert inserts
  std::vector<std::string> unloaded;
  std::vector<int64_t> conflicts;
  int64_t gaps_added = 0;
  for (const auto& [session_id, payloads] : sessions) {
    const SessionCounterDelta delta = CountPayloadIds(stored_last[session_id], payloads.counted_ids);
    projects.push_back(payloads.project_id);
    counts.push_back(delta.payload_count);
    last_ids.push_back(delta.last_payload_id);
    missing.push_back(std::max<int64_t>(
        0, static_cast<int64_t>(delta.last_payload_id) - delta.payload_count));
    unloaded.push_back(payloads.has_unloaded ? "t" : "f");
    conflicts.push_back(payloads.conflicting_duplicates);
    gaps_added += delta.payload_id_gaps;
  }
  absl::Status status =
      db.Query(kUpsertCounters, {PgParam::Text(ToPgTextArray(ids)),
                                 PgParam::Text(ToPgTextArray(projects)), ArrayParam(counts),
                                 ArrayParam(last_ids), ArrayParam(missing), ArrayParam(unloaded),
                                 ArrayParam(conflicts)})
          .status();
  if (!status.ok()) return status;
  return gaps_added;
}

}  // namespace ingest
