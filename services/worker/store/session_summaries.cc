#include "services/worker/store/session_summaries.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/pg/pg_text_array.h"
#include "services/worker/store/pg_binary.h"

namespace ingest {
namespace {

constexpr char kInsertFacts[] = R"sql(
INSERT INTO payload_facts (session_id, payload_id, parsed, pages, facts)
SELECT session_id, payload_id, parsed, pages::text[], facts
FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::text[], $5::bytea[])
  AS u(session_id, payload_id, parsed, pages, facts)
ON CONFLICT (session_id, payload_id) DO NOTHING
)sql";

// The rows are locked already (session counters); FOR UPDATE keeps this
// step correct on its own.
constexpr char kReadSummaries[] = R"sql(
SELECT session_id, coalesce(summary, ''::bytea), coalesce(status, '')
FROM sessions WHERE session_id = ANY($1::text[])
FOR UPDATE
)sql";

constexpr char kReadSessionFacts[] = R"sql(
SELECT payload_id, facts FROM payload_facts WHERE session_id = $1 ORDER BY payload_id
)sql";

constexpr char kWriteSummaries[] = R"sql(
UPDATE sessions AS s SET
  summary = u.summary,
  kafka_partition = u.kafka_partition,
  last_activity_at = greatest(s.last_activity_at, u.last_activity_at),
  status = 'live',
  completed_at = NULL,
  reopened_count = coalesce(s.reopened_count, 0)
                   + CASE WHEN s.status = 'completed' THEN 1 ELSE 0 END,
  first_event_at = u.first_event_at,
  last_event_at = u.last_event_at,
  length_ms = u.length_ms,
  active_ms = u.active_ms,
  event_count = u.event_count,
  clicks = u.clicks,
  rage_clicks = u.rage_clicks,
  frontend_errors = u.frontend_errors,
  console_errors = u.console_errors,
  resources = u.resources,
  failed_resources = u.failed_resources,
  landing_page = nullif(u.landing_page, ''),
  exit_page = nullif(u.exit_page, ''),
  pages_visited = u.pages_visited,
  unparsed_payloads = u.unparsed_payloads,
  updated_at = now()
FROM unnest($1::text[], $2::bytea[], $3::integer[], $4::timestamptz[], $5::timestamptz[],
            $6::timestamptz[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[],
            $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[],
            $16::text[], $17::text[], $18::bigint[], $19::bigint[])
  AS u(session_id, summary, kafka_partition, last_activity_at, first_event_at, last_event_at,
       length_ms, active_ms, event_count, clicks, rage_clicks, frontend_errors,
       console_errors, resources, failed_resources, landing_page, exit_page, pages_visited,
       unparsed_payloads)
WHERE s.session_id = u.session_id
)sql";

constexpr char kCompleteIdle[] = R"sql(
UPDATE sessions SET status = 'completed', completed_at = $2::timestamptz, updated_at = now()
WHERE kafka_partition = $1 AND status = 'live'
  AND (last_activity_at < $2::timestamptz - make_interval(secs => $3::double precision)
       OR (has_unloaded
           AND last_activity_at < $2::timestamptz - make_interval(secs => $4::double precision)))
)sql";

// Column values of the arrays above, one entry per session.
struct SummaryColumns {
  std::vector<std::string> ids, summaries, partitions, activity, first_event, last_event,
      length, active, events, clicks, rage, errors, console_errors, resources, failed, landing,
      exit, pages, unparsed;
};

std::string ByteaElement(absl::string_view bytes) {
  return absl::StrCat("\\x", absl::BytesToHexString(bytes));
}

// A PostgreSQL timestamptz literal (UTC), or NULL-able empty via `has`.
std::string TimestampElement(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", time, absl::UTCTimeZone());
}

std::string MillisElement(int64_t unix_ms) {
  return TimestampElement(absl::FromUnixMillis(unix_ms));
}

// An array literal whose NULL elements are unquoted NULL (ToPgTextArray
// quotes every element, so "NULL" there is the text NULL).
std::string ArrayWithNulls(const std::vector<std::optional<std::string>>& values) {
  std::vector<std::string> quoted;
  quoted.reserve(values.size());
  for (const std::optional<std::string>& value : values) {
    if (!value.has_value()) {
      quoted.push_back("NULL");
      continue;
    }
    std::string one = ToPgTextArray({*value});  // {"..."}
    quoted.push_back(one.substr(1, one.size() - 2));
  }
  return absl::StrCat("{", absl::StrJoin(quoted, ","), "}");
}

absl::Status InsertFacts(PgConnection& db,
                         const std::map<std::string, SessionSummaryUpdate>& sessions) {
  std::vector<std::string> ids, payload_ids, parsed, pages, facts;
  for (const auto& [session_id, update] : sessions) {
    for (const CountedPayload& payload : update.payloads) {
      ids.push_back(session_id);
      payload_ids.push_back(absl::StrCat(payload.payload_id));
      parsed.push_back(payload.facts->parsed() ? "t" : "f");
      pages.push_back(ToPgTextArray(std::vector<std::string>(payload.facts->pages().begin(),
                                                             payload.facts->pages().end())));
      facts.push_back(ByteaElement(payload.facts->SerializeAsString()));
    }
  }
  if (ids.empty()) return absl::OkStatus();
  return db.Query(kInsertFacts,
                  {PgParam::Text(ToPgTextArray(ids)), PgParam::Text(ToPgTextArray(payload_ids)),
                   PgParam::Text(ToPgTextArray(parsed)), PgParam::Text(ToPgTextArray(pages)),
                   PgParam::Text(ToPgTextArray(facts))})
      .status();
}

struct StoredSession {
  v1::SessionSummary summary;
  std::string status;
};

absl::StatusOr<std::map<std::string, StoredSession>> ReadSummaries(
    PgConnection& db, const std::map<std::string, SessionSummaryUpdate>& sessions) {
  std::vector<std::string> ids;
  for (const auto& [session_id, update] : sessions) ids.push_back(session_id);
  absl::StatusOr<PgResult> result =
      db.Query(kReadSummaries, {PgParam::Text(ToPgTextArray(ids))}, PgFormat::kBinary);
  if (!result.ok()) return result.status();
  std::map<std::string, StoredSession> stored;
  for (int row = 0; row < PQntuples(result->get()); ++row) {
    StoredSession& session = stored[std::string(BinaryValueBytes(result->get(), row, 0))];
    const absl::string_view bytes = BinaryValueBytes(result->get(), row, 1);
    if (!session.summary.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError(absl::StrCat("sessions.summary of ",
                                              BinaryValueBytes(result->get(), row, 0),
                                              " does not parse as ingest.v1.SessionSummary"));
    }
    session.status = std::string(BinaryValueBytes(result->get(), row, 2));
  }
  return stored;
}

// Every stored payload of the session, in id order (the call's own rows
// included: they were inserted above).
absl::StatusOr<v1::SessionSummary> Refold(PgConnection& db, const std::string& session_id,
                                          const RageClickRule& rule) {
  absl::StatusOr<PgResult> result =
      db.Query(kReadSessionFacts, {PgParam::Text(session_id)}, PgFormat::kBinary);
  if (!result.ok()) return result.status();
  const int rows = PQntuples(result->get());
  std::vector<v1::PayloadFacts> facts(static_cast<size_t>(rows));
  std::vector<IdentifiedFacts> ordered;
  ordered.reserve(facts.size());
  for (int row = 0; row < rows; ++row) {
    const absl::string_view bytes = BinaryValueBytes(result->get(), row, 1);
    v1::PayloadFacts& one = facts[static_cast<size_t>(row)];
    if (!one.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError(absl::StrCat("payload_facts of ", session_id,
                                              " does not parse as ingest.v1.PayloadFacts"));
    }
    ordered.push_back({static_cast<uint64_t>(BinaryValueInt(result->get(), row, 0)), &one});
  }
  return SummarizeSession(ordered, rule);
}

void AppendColumns(const std::string& session_id, const v1::SessionSummary& summary,
                   int32_t partition, absl::Time activity, SummaryColumns& columns) {
  columns.ids.push_back(session_id);
  columns.summaries.push_back(ByteaElement(summary.SerializeAsString()));
  columns.partitions.push_back(absl::StrCat(partition));
  columns.activity.push_back(TimestampElement(activity));
  const bool timed = summary.first_event_ms() != 0 || summary.last_event_ms() != 0;
  columns.first_event.push_back(timed ? MillisElement(summary.first_event_ms()) : "");
  columns.last_event.push_back(timed ? MillisElement(summary.last_event_ms()) : "");
  columns.length.push_back(absl::StrCat(summary.length_ms()));
  columns.active.push_back(absl::StrCat(summary.active_ms()));
  columns.events.push_back(absl::StrCat(summary.event_count()));
  columns.clicks.push_back(absl::StrCat(summary.clicks()));
  columns.rage.push_back(absl::StrCat(summary.rage_clicks()));
  columns.errors.push_back(absl::StrCat(summary.errors()));
  columns.console_errors.push_back(absl::StrCat(summary.console_errors()));
  columns.resources.push_back(absl::StrCat(summary.resources()));
  columns.failed.push_back(absl::StrCat(summary.failed_resources()));
  columns.landing.push_back(summary.landing_page());
  columns.exit.push_back(summary.exit_page());
  columns.pages.push_back(absl::StrCat(summary.pages_visited()));
  columns.unparsed.push_back(absl::StrCat(summary.unparsed_payloads()));
}

// Timestamps of a session without events are NULL, not "".
std::string TimestampArray(const std::vector<std::string>& values) {
  std::vector<std::optional<std::string>> nullable;
  nullable.reserve(values.size());
  for (const std::string& value : values) {
    nullable.push_back(value.empty() ? std::nullopt : std::optional<std::string>(value));
  }
  return ArrayWithNulls(nullable);
}

absl::Status WriteSummaries(PgConnection& db, const SummaryColumns& c) {
  auto text = [](const std::vector<std::string>& values) {
    return PgParam::Text(ToPgTextArray(values));
  };
  return db.Query(kWriteSummaries,
                  {text(c.ids), text(c.summaries), text(c.partitions), text(c.activity),
                   PgParam::Text(TimestampArray(c.first_event)),
                   PgParam::Text(TimestampArray(c.last_event)), text(c.length), text(c.active),
                   text(c.events), text(c.clicks), text(c.rage), text(c.errors),
                   text(c.console_errors), text(c.resources), text(c.failed), text(c.landing),
                   text(c.exit), text(c.pages), text(c.unparsed)})
      .status();
}

}  // namespace

absl::StatusOr<SummaryOutcome> UpdateSessionSummaries(
    PgConnection& db, const std::map<std::string, SessionSummaryUpdate>& sessions,
    const RageClickRule& rule) {
  SummaryOutcome outcome;
  if (sessions.empty()) return outcome;
  if (absl::Status status = InsertFacts(db, sessions); !status.ok()) return status;
  absl::StatusOr<std::map<std::string, StoredSession>> stored = ReadSummaries(db, sessions);
  if (!stored.ok()) return stored.status();

  SummaryColumns columns;
  for (const auto& [session_id, update] : sessions) {
    StoredSession& session = (*stored)[session_id];
    std::vector<CountedPayload> payloads = update.payloads;
    std::sort(payloads.begin(), payloads.end(),
              [](const CountedPayload& a, const CountedPayload& b) {
                return a.payload_id < b.payload_id;
              });
    absl::Time activity = absl::InfinitePast();
    for (const CountedPayload& payload : payloads) {
      activity = std::max(activity, payload.received_at);
      if (!payload.facts->parsed()) ++outcome.payloads_unparsed;
    }
    if (payloads.front().payload_id > session.summary.last_payload_id()) {
      for (const CountedPayload& payload : payloads) {
        FoldPayloadFacts(payload.payload_id, *payload.facts, rule, &session.summary);
      }
    } else {
      absl::StatusOr<v1::SessionSummary> refolded = Refold(db, session_id, rule);
      if (!refolded.ok()) return refolded.status();
      session.summary = *std::move(refolded);
      ++outcome.sessions_refolded;
    }
    if (session.status == "completed") ++outcome.sessions_reopened;
    AppendColumns(session_id, session.summary, update.partition, activity, columns);
  }
  if (absl::Status status = WriteSummaries(db, columns); !status.ok()) return status;
  return outcome;
}

absl::StatusOr<int64_t> CompleteIdleSessions(PgConnection& db, int32_t partition,
                                             absl::Time watermark,
                                             const SessionLifecycleOptions& options) {
  absl::StatusOr<PgResult> result = db.Query(
      kCompleteIdle,
      {PgParam::Int(partition), PgParam::Text(TimestampElement(watermark)),
       PgParam::Text(absl::StrCat(absl::ToDoubleSeconds(options.idle_timeout))),
       PgParam::Text(absl::StrCat(absl::ToDoubleSeconds(options.unloaded_idle_timeout)))});
  if (!result.ok()) return result.status();
  return std::strtoll(PQcmdTuples(result->get()), nullptr, 10);
}

}  // namespace ingest
