#pragma once

// Session summaries and lifecycle, written in the PersistBatches transaction
// that stores the payloads they come from (services/common/facts/README.md
// defines the summary).
//
// For the payloads a call newly counted (a whole payload when inserted, a
// streamed one when completed — never an exact duplicate, a replay or a
// redrive of a stored one):
//   1. each one's facts go to payload_facts (keyed by session and payload id);
//   2. each session's summary (sessions.summary, locked FOR UPDATE) folds
//      them in payload-id order; when one of them is below the highest id
//      already folded (it arrived late), the session is refolded from all its
//      payload_facts rows instead, so the summary always equals the fold of
//      every stored payload in id order;
//   3. the session is live: last_activity_at moves to its newest payload's
//      received_at, and a completed session is reopened (counted).
// Then, per partition of the call, CompleteIdleSessions completes the
// partition's live sessions that have been idle, measured against the
// partition's processed-time watermark, never the wall clock: a worker
// catching up on a backlog completes nothing whose later payloads it has not
// read yet.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ingest/v1/facts.pb.h"
#include "services/common/facts/session_summary.h"
#include "services/common/pg/connection.h"

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

struct SessionSummaryUpdate {
  int32_t partition = -1;
  std::vector<CountedPayload> payloads;  // any order
};

struct SummaryOutcome {
  int64_t sessions_reopened = 0;
  int64_t payloads_unparsed = 0;
  int64_t sessions_refolded = 0;  // a late payload refolded the whole session
};

// Steps 1-3 for `sessions` (keyed by session id; each row exists already:
// the session counters upserted it).
absl::StatusOr<SummaryOutcome> UpdateSessionSummaries(
    PgConnection& db, const std::map<std::string, SessionSummaryUpdate>& sessions,
    const RageClickRule& rule);

// Completes the live sessions of `partition` idle at `watermark`; returns
// how many. Writes completed_at = the watermark.
absl::StatusOr<int64_t> CompleteIdleSessions(PgConnection& db, int32_t partition,
                                             absl::Time watermark,
                                             const SessionLifecycleOptions& options);

}  // namespace ingest
