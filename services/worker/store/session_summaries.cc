#include "services/worker/store/session_summaries.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/status/status_macros.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/session_counters.h"

namespace ingest {
namespace {

constexpr char kInsertFacts[] = R"sql(
INSERT INTO payload_facts (session_id, payload_id, parsed, pages, facts, expire_day)
SELECT session_id, payload_id, parsed, pages::text[], facts, expire_day
FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::text[], $5::bytea[], $6::date[])
  AS u(session_id, payload_id, parsed, pages, facts, expire_day)
ON CONFLICT (session_id, payload_id, expire_day) DO NOTHING
)sql";

// Locks the rows so what is computed from them stays true until COMMIT.
constexpr char kLockSessions[] = R"sql(
SELECT session_id, last_payload_id, coalesce(summary, ''::bytea), coalesce(status, '')
FROM sessions WHERE session_id = ANY($1::text[])
FOR UPDATE
)sql";

constexpr char kReadSessionFacts[] = R"sql(
SELECT payload_id, facts FROM payload_facts
WHERE session_id = $1 AND expire_day = $2::date ORDER BY payload_id
)sql";

// One row per session. A NULL summary means nothing was newly counted: the
// summary and lifecycle columns stay as they are (only counters move).
// payload_id_gaps is the ids still missing: last_payload_id - payload_count
// (session_counters.h).
constexpr char kUpsertSessions[] = R"sql(
INSERT INTO sessions AS s (
  session_id, project_id, payload_count, last_payload_id, payload_id_gaps, has_unloaded,
  conflicting_duplicates, kafka_partition, last_activity_at, status, summary, first_event_at,
  last_event_at, length_ms, active_ms, event_count, clicks, rage_clicks, frontend_errors,
  console_errors, resources, failed_resources, landing_page, exit_page, pages_visited,
  unparsed_payloads)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
                     $6::boolean[], $7::bigint[], $8::integer[], $9::timestamptz[], $10::text[],
                     $11::bytea[], $12::timestamptz[], $13::timestamptz[], $14::bigint[],
                     $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[],
                     $20::bigint[], $21::bigint[], $22::bigint[], $23::text[], $24::text[],
                     $25::bigint[], $26::bigint[])
ON CONFLICT (session_id) DO UPDATE SET
  payload_count = s.payload_count + EXCLUDED.payload_count,
  last_payload_id = greatest(s.last_payload_id, EXCLUDED.last_payload_id),
  payload_id_gaps = greatest(0, greatest(s.last_payload_id, EXCLUDED.last_payload_id)
                                - (s.payload_count + EXCLUDED.payload_count)),
  has_unloaded = s.has_unloaded OR EXCLUDED.has_unloaded,
  conflicting_duplicates = s.conflicting_duplicates + EXCLUDED.conflicting_duplicates,
  kafka_partition = coalesce(EXCLUDED.kafka_partition, s.kafka_partition),
  last_activity_at = greatest(s.last_activity_at, EXCLUDED.last_activity_at),
  reopened_count = CASE WHEN EXCLUDED.summary IS NOT NULL AND s.status = 'completed'
                        THEN coalesce(s.reopened_count, 0) + 1 ELSE s.reopened_count END,
  completed_at = CASE WHEN EXCLUDED.summary IS NULL THEN s.completed_at END,
  status = coalesce(EXCLUDED.status, s.status),
  summary = coalesce(EXCLUDED.summary, s.summary),
  first_event_at = CASE WHEN EXCLUDED.summary IS NULL THEN s.first_event_at
                        ELSE EXCLUDED.first_event_at END,
  last_event_at = CASE WHEN EXCLUDED.summary IS NULL THEN s.last_event_at
                       ELSE EXCLUDED.last_event_at END,
  length_ms = coalesce(EXCLUDED.length_ms, s.length_ms),
  active_ms = coalesce(EXCLUDED.active_ms, s.active_ms),
  event_count = coalesce(EXCLUDED.event_count, s.event_count),
  clicks = coalesce(EXCLUDED.clicks, s.clicks),
  rage_clicks = coalesce(EXCLUDED.rage_clicks, s.rage_clicks),
  frontend_errors = coalesce(EXCLUDED.frontend_errors, s.frontend_errors),
  console_errors = coalesce(EXCLUDED.console_errors, s.console_errors),
  resources = coalesce(EXCLUDED.resources, s.resources),
  failed_resources = coalesce(EXCLUDED.failed_resources, s.failed_resources),
  landing_page = CASE WHEN EXCLUDED.summary IS NULL THEN s.landing_page
                      ELSE EXCLUDED.landing_page END,
  exit_page = CASE WHEN EXCLUDED.summary IS NULL THEN s.exit_page ELSE EXCLUDED.exit_page END,
  pages_visited = coalesce(EXCLUDED.pages_visited, s.pages_visited),
  unparsed_payloads = coalesce(EXCLUDED.unparsed_payloads, s.unparsed_payloads),
  updated_at = now()
)sql";

constexpr char kCompleteIdle[] = R"sql(
UPDATE sessions AS s SET status = 'completed', completed_at = w.watermark, updated_at = now()
FROM unnest($1::integer[], $2::timestamptz[]) AS w(partition, watermark)
WHERE s.kafka_partition = w.partition AND s.status = 'live'
  AND (s.last_activity_at < w.watermark - make_interval(secs => $3::double precision)
       OR (s.has_unloaded
           AND s.last_activity_at < w.watermark - make_interval(secs => $4::double precision)))
)sql";

std::string ByteaElement(absl::string_view bytes) {
  return absl::StrCat("\\x", absl::BytesToHexString(bytes));
}

absl::Status InsertFacts(PgConnection& db, const std::map<std::string, SessionUpdate>& sessions) {
  PgArrayLiteral ids, payload_ids, parsed, pages, facts, days;
  bool any = false;
  for (const auto& [session_id, update] : sessions) {
    for (const CountedPayload& payload : update.counted) {
      any = true;
      ids.Add(session_id);
      payload_ids.Add(absl::StrCat(payload.payload_id));
      parsed.Add(payload.facts->parsed() ? "t" : "f");
      pages.Add(ToPgTextArray(std::vector<std::string>(payload.facts->pages().begin(),
                                                       payload.facts->pages().end())));
      facts.Add(ByteaElement(payload.facts->SerializeAsString()));
      days.Add(update.expire_day.ToString());
    }
  }
  if (!any) return absl::OkStatus();
  return db
      .Query(kInsertFacts, {PgParam::Text(ids.Literal()), PgParam::Text(payload_ids.Literal()),
                            PgParam::Text(parsed.Literal()), PgParam::Text(pages.Literal()),
                            PgParam::Text(facts.Literal()), PgParam::Text(days.Literal())})
      .status();
}

struct StoredSession {
  uint64_t last_payload_id = 0;
  v1::SessionSummary summary;
  std::string status;
};

absl::StatusOr<std::map<std::string, StoredSession>> LockSessions(
    PgConnection& db, const std::map<std::string, SessionUpdate>& sessions) {
  std::vector<std::string> ids;
  ids.reserve(sessions.size());
  for (const auto& [session_id, update] : sessions) ids.push_back(session_id);
  ASSIGN_OR_RETURN(PgResult result,
                   db.Query(kLockSessions, {PgParam::Text(ToPgTextArray(ids))}, PgFormat::kBinary));
  std::map<std::string, StoredSession> stored;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    const std::string session_id(BinaryValueBytes(result.get(), row, 0));
    StoredSession& session = stored[session_id];
    session.last_payload_id = static_cast<uint64_t>(BinaryValueInt(result.get(), row, 1));
    const absl::string_view bytes = BinaryValueBytes(result.get(), row, 2);
    if (!session.summary.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError(absl::StrCat("sessions.summary of ", session_id,
                                              " does not parse as ingest.v1.SessionSummary"));
    }
    session.status = std::string(BinaryValueBytes(result.get(), row, 3));
  }
  return stored;
}

// Every stored payload of the session, in id order (the call's own rows
// included: they were inserted above).
absl::StatusOr<v1::SessionSummary> Refold(PgConnection& db, const std::string& session_id,
                                          ExpireDay expire_day, const RageClickRule& rule) {
  ASSIGN_OR_RETURN(
      PgResult result,
      db.Query(kReadSessionFacts, {PgParam::Text(session_id), PgParam::Text(expire_day.ToString())},
               PgFormat::kBinary));
  const int rows = PQntuples(result.get());
  std::vector<v1::PayloadFacts> facts(static_cast<size_t>(rows));
  std::vector<IdentifiedFacts> ordered;
  ordered.reserve(facts.size());
  for (int row = 0; row < rows; ++row) {
    const absl::string_view bytes = BinaryValueBytes(result.get(), row, 1);
    v1::PayloadFacts& one = facts[static_cast<size_t>(row)];
    if (!one.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError(absl::StrCat("payload_facts of ", session_id,
                                              " does not parse as ingest.v1.PayloadFacts"));
    }
    ordered.push_back({static_cast<uint64_t>(BinaryValueInt(result.get(), row, 0)), &one});
  }
  return SummarizeSession(ordered, rule);
}

// The upsert's 26 columns.
struct SessionColumns {
  PgArrayLiteral ids, projects, counts, last_ids, missing, unloaded, conflicts, partitions,
      activity, status, summary, first_event, last_event, length, active, events, clicks, rage,
      errors, console_errors, resources, failed, landing, exit, pages, unparsed;

  // In the upsert's parameter order: the counters, then the summary.
  std::vector<PgParam> Params() {
    std::vector<PgParam> params;
    for (PgArrayLiteral* column : {&ids, &projects, &counts, &last_ids, &missing, &unloaded,
                                   &conflicts}) {
      params.push_back(PgParam::Text(column->Literal()));
    }
    for (PgArrayLiteral* column : SummaryColumns()) {
      params.push_back(PgParam::Text(column->Literal()));
    }
    return params;
  }

  void AddCounters(const std::string& session_id, const SessionUpdate& update,
                   const SessionCounterDelta& delta) {
    ids.Add(session_id);
    projects.Add(update.project_id);
    counts.Add(absl::StrCat(delta.payload_count));
    last_ids.Add(absl::StrCat(delta.last_payload_id));
    // Of a session the upsert inserts: the ids below the last one not counted.
    missing.Add(absl::StrCat(
        std::max<int64_t>(0, static_cast<int64_t>(delta.last_payload_id) - delta.payload_count)));
    unloaded.Add(update.has_unloaded ? "t" : "f");
    conflicts.Add(absl::StrCat(update.conflicting_duplicates));
  }

  // Nothing newly counted: every summary and lifecycle column NULL.
  void AddNoSummary() {
    for (PgArrayLiteral* column : SummaryColumns()) column->AddNull();
  }

  void AddSummary(const v1::SessionSummary& s, int32_t partition, absl::Time activity) {
    partitions.Add(absl::StrCat(partition));
    this->activity.Add(ToPgTimestamp(activity));
    status.Add("live");
    summary.Add(ByteaElement(s.SerializeAsString()));
    if (s.first_event_ms() != 0 || s.last_event_ms() != 0) {
      first_event.Add(ToPgTimestamp(absl::FromUnixMillis(s.first_event_ms())));
      last_event.Add(ToPgTimestamp(absl::FromUnixMillis(s.last_event_ms())));
    } else {
      first_event.AddNull();
      last_event.AddNull();
    }
    length.Add(absl::StrCat(s.length_ms()));
    active.Add(absl::StrCat(s.active_ms()));
    events.Add(absl::StrCat(s.event_count()));
    clicks.Add(absl::StrCat(s.clicks()));
    rage.Add(absl::StrCat(s.rage_clicks()));
    errors.Add(absl::StrCat(s.errors()));
    console_errors.Add(absl::StrCat(s.console_errors()));
    resources.Add(absl::StrCat(s.resources()));
    failed.Add(absl::StrCat(s.failed_resources()));
    landing.AddOrNull(s.landing_page().empty() ? std::nullopt : std::optional(s.landing_page()));
    exit.AddOrNull(s.exit_page().empty() ? std::nullopt : std::optional(s.exit_page()));
    pages.Add(absl::StrCat(s.pages_visited()));
    unparsed.Add(absl::StrCat(s.unparsed_payloads()));
  }

 private:
  std::vector<PgArrayLiteral*> SummaryColumns() {
    return {&partitions, &activity,  &status, &summary,        &first_event, &last_event,
            &length,     &active,    &events, &clicks,         &rage,        &errors,
            &console_errors, &resources, &failed, &landing,    &exit,        &pages,
            &unparsed};
  }
};

}  // namespace

absl::StatusOr<SessionsOutcome> UpdateSessions(PgConnection& db,
                                               const std::map<std::string, SessionUpdate>& sessions,
                                               const RageClickRule& rule) {
  SessionsOutcome outcome;
  if (sessions.empty()) return outcome;
  RETURN_IF_ERROR(InsertFacts(db, sessions));
  ASSIGN_OR_RETURN(auto stored, LockSessions(db, sessions));

  SessionColumns columns;
  for (const auto& [session_id, update] : sessions) {
    StoredSession& session = stored[session_id];
    std::vector<uint64_t> ids;
    ids.reserve(update.counted.size());
    for (const CountedPayload& payload : update.counted) ids.push_back(payload.payload_id);
    const SessionCounterDelta delta = CountPayloadIds(session.last_payload_id, ids);
    outcome.payload_id_gaps += delta.payload_id_gaps;
    columns.AddCounters(session_id, update, delta);
    if (update.counted.empty()) {
      columns.AddNoSummary();
      continue;
    }

    std::vector<CountedPayload> by_id = update.counted;
    std::sort(by_id.begin(), by_id.end(), [](const CountedPayload& a, const CountedPayload& b) {
      return a.payload_id < b.payload_id;
    });
    absl::Time activity = absl::InfinitePast();
    for (const CountedPayload& payload : by_id) {
      activity = std::max(activity, payload.received_at);
      if (!payload.facts->parsed()) ++outcome.payloads_unparsed;
    }
    if (by_id.front().payload_id > session.summary.last_payload_id()) {
      for (const CountedPayload& payload : by_id) {
        FoldPayloadFacts(payload.payload_id, *payload.facts, rule, &session.summary);
      }
    } else {
      ASSIGN_OR_RETURN(v1::SessionSummary refolded,
                       Refold(db, session_id, update.expire_day, rule));
      session.summary = std::move(refolded);
      ++outcome.sessions_refolded;
    }
    if (session.status == "completed") ++outcome.sessions_reopened;
    columns.AddSummary(session.summary, update.partition, activity);
  }
  if (absl::Status status = db.Query(kUpsertSessions, columns.Params()).status(); !status.ok()) {
    return status;
  }
  return outcome;
}

absl::StatusOr<int64_t> CompleteIdleSessions(PgConnection& db,
                                             absl::Span<const PartitionWatermark> partitions,
                                             const SessionLifecycleOptions& options) {
  if (partitions.empty()) return 0;
  PgArrayLiteral ids, watermarks;
  for (const PartitionWatermark& one : partitions) {
    ids.Add(absl::StrCat(one.partition));
    watermarks.Add(ToPgTimestamp(one.watermark));
  }
  ASSIGN_OR_RETURN(
      PgResult result,
      db.Query(
          kCompleteIdle,
          {PgParam::Text(ids.Literal()), PgParam::Text(watermarks.Literal()),
           PgParam::Text(absl::StrCat(absl::ToDoubleSeconds(options.idle_timeout))),
           PgParam::Text(absl::StrCat(absl::ToDoubleSeconds(options.unloaded_idle_timeout)))}));
  return std::strtoll(PQcmdTuples(result.get()), nullptr, 10);
}

}  // namespace ingest
