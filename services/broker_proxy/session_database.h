#pragma once

// SessionDatabase: what the worker's PostgreSQL tables hold of one session
// (GetSession) and of many (ListSessions). Read-only. An interface so the
// core is tested without PostgreSQL (fake_session_database.h).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ingest/v1/facts.pb.h"

namespace ingest {

// At most this many gap ranges are reported (the lowest ones).
inline constexpr int kMaxReportedGaps = 100;
// At most this many page views are reported (the first ones).
inline constexpr int kMaxSessionPages = 1000;

struct SessionFacts {
  std::string project_id;  // sessions, else quarantined_sessions; may be empty
  // Rows in sessions or session_payloads.
  bool has_rows = false;
  // quarantined_sessions (any topic; the earliest quarantine).
  bool quarantined = false;
  std::string quarantine_reason;
  absl::Time quarantined_at = absl::UnixEpoch();
  // The redrive under way (quarantined_sessions.redrive_id); empty: none.
  std::string redrive_id;
  // From session_payloads: distinct payload ids, the highest, the missing
  // ranges between 1 and the highest (inclusive pairs, ascending, at most
  // kMaxReportedGaps), the stored (possibly compressed) bytes of `data`.
  int64_t payloads = 0;
  uint64_t highest_payload_id = 0;
  std::vector<std::pair<uint64_t, uint64_t>> gaps;
  int64_t stored_bytes = 0;
  // received_at of its payload rows; nullopt without any.
  std::optional<absl::Time> first_received;
  std::optional<absl::Time> last_received;

  // The worker's lifecycle (sessions.status): "live", "completed", or empty
  // for a session stored before summaries (schema v8) or without a
  // sessions row.
  std::string lifecycle;
  std::optional<absl::Time> completed_at;
  int64_t reopened_count = 0;
  std::optional<absl::Time> last_activity;  // sessions.last_activity_at
  // sessions.summary; empty when NULL (a legacy session).
  v1::SessionSummary summary;
  // The page views: payload_facts.pages in payload-id order, then array
  // position, an href equal to the previous one dropped; the first
  // kMaxSessionPages, `pages_truncated` when there were more.
  std::vector<std::string> pages;
  bool pages_truncated = false;

  // Retention (schema v9): sessions.expire_day as "YYYY-MM-DD", "infinity"
  // for a session stored before retention existed, or empty without a
  // sessions row or before schema v9.
  std::string expire_day;
};

// A position in the listing order (created_at descending, then session_id
// descending, compared bytewise): a listing resumes after it.
struct SessionCursor {
  absl::Time created_at;  // microseconds, as PostgreSQL stores it
  std::string session_id;

  friend bool operator==(const SessionCursor&, const SessionCursor&) = default;
};

// Which sessions rows ListSessions returns.
struct SessionListQuery {
  std::string project_id;  // empty: every project
  std::string lifecycle;   // "live" or "completed"; empty: any, legacy included
  std::optional<absl::Time> created_since;  // created_at at or after it
  std::optional<SessionCursor> after;       // strictly after this position
  int limit = 50;                           // rows returned at most
};

// One sessions row: its lifecycle and the summary's readable copies (0 or
// empty where NULL, i.e. for a legacy session).
struct SessionListEntry {
  std::string session_id;
  std::string project_id;
  std::string lifecycle;  // live, completed, or empty
  absl::Time created_at = absl::UnixEpoch();  // microseconds
  std::optional<absl::Time> last_activity;
  std::optional<absl::Time> completed_at;
  int64_t payloads = 0;  // payload_count
  int64_t length_ms = 0;
  int64_t active_ms = 0;
  int64_t clicks = 0;
  int64_t rage_clicks = 0;
  int64_t errors = 0;  // frontend_errors
  std::string landing_page;
  std::string exit_page;
  int64_t pages_visited = 0;

  SessionCursor cursor() const { return SessionCursor{created_at, session_id}; }
};

class SessionDatabase {
 public:
  virtual ~SessionDatabase() = default;

  // The facts of `session_id`, or nullopt if no table of the worker
  // (sessions, session_payloads, payload_streams, quarantined_sessions,
  // session_feedback) mentions it. A database before schema v8 answers
  // without lifecycle, summary or pages (as for a legacy session), one
  // before schema v9 without expire_day.
  // UNAVAILABLE when the database does not answer; DATA_LOSS when its
  // summary does not parse.
  virtual absl::StatusOr<std::optional<SessionFacts>> ReadSession(
      const std::string& session_id) = 0;

  // The sessions rows that match `query`, in listing order (newest
  // created_at first, ties by session_id descending), at most
  // `query.limit`. FAILED_PRECONDITION before schema v8; UNAVAILABLE when
  // the database does not answer.
  virtual absl::StatusOr<std::vector<SessionListEntry>> ListSessions(
      const SessionListQuery& query) = 0;
};

// Over libpq: one short connection per call, connecting and the queries
// bounded by `timeout` (statement_timeout). Thread-safe.
std::unique_ptr<SessionDatabase> CreatePgSessionDatabase(std::string dsn, absl::Duration timeout);

}  // namespace ingest
