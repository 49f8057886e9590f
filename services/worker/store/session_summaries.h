#pragma once

// The sessions rows of the payloads one PersistBatches call stored: their
// counters, summaries and lifecycle, written in that call's transaction
// (services/common/facts/README.md defines the summary).
//
// For the payloads the call newly counted (a whole payload when inserted, a
// streamed one when completed — never an exact duplicate, a replay or a
// redrive of a stored one):
//   1. each one's facts go to payload_facts (keyed by session and payload id);
//   2. the sessions rows are locked and read (SELECT ... FOR UPDATE);
//   3. each session's summary folds the new facts in payload-id order; when
//      one of them is below the highest id already folded (it arrived late),
//      the session is refolded from all its payload_facts rows instead, so
//      the summary always equals the fold of every stored payload in id
//      order;
//   4. one upsert writes every session's row: counters (session_counters.h),
//      summary, and lifecycle — the session is live, last_activity_at moves
//      to its newest payload's received_at, and a completed session is
//      reopened (counted). A session with nothing newly counted (only
//      duplicates) keeps its summary and lifecycle.
// Then CompleteIdleSessions completes, per partition of the call, the live
// sessions idle at the partition's processed-time watermark, never the wall
// clock: a worker catching up on a backlog completes nothing whose later
// payloads it has not read yet.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ingest/v1/facts.pb.h"
#include "services/common/facts/session_summary.h"
#include "services/common/pg/connection.h"
#include "services/common/retention/expire_day.h"

namespace ingest {

struct SessionLifecycleOptions {
  // A live session with no new payload for this long (by the watermark) is
  // completed ...
  absl::Duration idle_timeout = absl::Minutes(30);
  // ... or for this long once one of its payloads said the page unloaded.
  absl::Duration unloaded_idle_timeout = absl::Minutes(2);
  RageClickRule rage_clicks;
};

// A payload the call newly counted.
struct CountedPayload {
  uint64_t payload_id = 0;
  const v1::PayloadFacts* facts = nullptr;  // the record's (never null)
  absl::Time received_at;
};

// What the call did to one session.
struct SessionUpdate {
  std::string project_id;
  ExpireDay expire_day = ExpireDay::Never();  // of its rows (session_gate.h)
  int32_t partition = -1;
  bool has_unloaded = false;           // any of its records said so
  int64_t conflicting_duplicates = 0;  // records dead-lettered as conflicting duplicates
  std::vector<CountedPayload> counted;  // newly counted payloads, in record order
};

struct SessionsOutcome {
  int64_t payload_id_gaps = 0;  // ids skipped by a payload above last_payload_id
  int64_t sessions_reopened = 0;
  int64_t payloads_unparsed = 0;
  int64_t sessions_refolded = 0;  // a late payload refolded the whole session
};

// Steps 1-4 for `sessions` (keyed by session id).
absl::StatusOr<SessionsOutcome> UpdateSessions(PgConnection& db,
                                               const std::map<std::string, SessionUpdate>& sessions,
                                               const RageClickRule& rule);

// A partition's processed-time watermark (task_store.h PartitionBatch).
struct PartitionWatermark {
  int32_t partition = -1;
  absl::Time watermark;
};

// Completes the live sessions of each partition idle at its watermark, in
// one statement; returns how many. completed_at = the watermark.
absl::StatusOr<int64_t> CompleteIdleSessions(PgConnection& db,
                                             absl::Span<const PartitionWatermark> partitions,
                                             const SessionLifecycleOptions& options);

}  // namespace ingest
