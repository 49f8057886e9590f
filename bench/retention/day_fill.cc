#include "bench/retention/day_fill.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "ingest/v1/facts.pb.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/retention/day_partitions.h"
#include "services/common/retention/expire_day.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_retention {
namespace {

constexpr char kBlocks[] = "bench_retention_blocks";

// $1 session prefix, $2 project, $3 day, $4 first session, $5 end
// (exclusive), $6 payloads per session. The session started its retention
// (30 days) before the day and was completed then: what a session is long
// before it expires.
constexpr char kInsertSessions[] = R"sql(
INSERT INTO sessions (session_id, project_id, created_at, updated_at, initialized_at,
                      payload_count, last_payload_id, kafka_partition, last_activity_at,
                      status, completed_at, expire_day)
SELECT $1 || s, $2, c.t, c.t, c.t, $6::bigint, $6::bigint, 0, c.t, 'completed', c.t, $3::date
FROM generate_series($4::bigint, $5::bigint - 1) s,
     (SELECT (($3::date - 30)::timestamp AT TIME ZONE 'UTC') AS t) c
)sql";

// $1 session prefix, $2 day, $3 first session, $4 end, $5 payloads per
// session, $6 payload bytes, $7 blocks. Stored as SDK-compressed content
// is (content_encoding zstd, storage_encoding raw): the bytes as they came.
// data_sha256 is a digest of the row's number, not of its data: 32 bytes
// like the real one, without hashing 10 GB nobody reads here.
constexpr char kInsertPayloads[] = R"sql(
INSERT INTO session_payloads (session_id, payload_id, chunk_index, content_encoding, raw_size,
                              data, received_at, kafka_partition, kafka_offset,
                              storage_encoding, data_sha256, expire_day)
SELECT $1 || x.s, x.p, 0, 2, $6::bigint,
       overlay(x.data PLACING int8send(x.n) FROM 1 FOR 8), x.t, 0, x.n, 0,
       sha256(int8send(x.n)), $2::date
FROM (SELECT s, p, s * $5::bigint + p AS n, c.t, b.data
      FROM generate_series($3::bigint, $4::bigint - 1) s
      CROSS JOIN generate_series(1, $5::integer) p
      JOIN bench_retention_blocks b ON b.block = (s * $5::bigint + p) % $7::bigint
      CROSS JOIN (SELECT (($2::date - 30)::timestamp AT TIME ZONE 'UTC') AS t) c) x
)sql";

// $1 session prefix, $2 day, $3 first session, $4 end, $5 payloads per
// session, $6 the serialized PayloadFacts of every row.
constexpr char kInsertFacts[] = R"sql(
INSERT INTO payload_facts (session_id, payload_id, parsed, pages, facts, expire_day)
SELECT $1 || s, p, true, ARRAY['/checkout'], $6::bytea, $2::date
FROM generate_series($3::bigint, $4::bigint - 1) s CROSS JOIN generate_series(1, $5::integer) p
)sql";

// What the gateway reads in a typical payload: a page, events, a few clicks.
std::string FactsBytes() {
  v1::PayloadFacts facts;
  facts.set_parsed(true);
  facts.set_event_count(240);
  for (const uint64_t count : {0, 0, 1, 230, 5, 4, 0, 0}) facts.add_events_by_type(count);
  facts.set_first_event_ms(1700000000000);
  facts.set_last_event_ms(1700000029000);
  facts.set_interaction_count(12);
  facts.set_active_ms(21000);
  facts.set_click_count(3);
  facts.add_pages("/checkout");
  facts.set_resources(14);
  return facts.SerializeAsString();
}

// Sessions [first, end) of `plan` and their payloads and facts, in one
// transaction.
absl::Status FillChunk(PgConnection& db, const FillPlan& plan, const std::string& session_prefix,
                       const std::string& project_id, const std::string& day, int64_t first,
                       int64_t end, int64_t blocks, const std::string& facts) {
  const std::vector<PgParam> range = {PgParam::Text(session_prefix), PgParam::Text(day),
                                      PgParam::Int(first), PgParam::Int(end),
                                      PgParam::Int(plan.payloads_per_session)};
  std::vector<PgParam> sessions = range;
  sessions.insert(sessions.begin() + 1, PgParam::Text(project_id));
  std::vector<PgParam> payloads = range;
  payloads.push_back(PgParam::Int(plan.payload_bytes));
  payloads.push_back(PgParam::Int(blocks));
  std::vector<PgParam> facts_params = range;
  facts_params.push_back(PgParam::Bytes(facts));
  RETURN_IF_ERROR(db.Exec("BEGIN"));
  absl::Status status = db.Query(kInsertSessions, sessions).status();
  if (status.ok()) status = db.Query(kInsertPayloads, payloads).status();
  if (status.ok()) status = db.Query(kInsertFacts, facts_params).status();
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok()) (void)db.Exec("ROLLBACK");
  return status;
}

// The day's partitions' size on disk; NOT_FOUND when one is missing.
absl::StatusOr<int64_t> PartitionBytes(PgConnection& db, absl::CivilDay day) {
  std::vector<std::string> names;
  for (const char* table : kDayPartitionedTables) names.push_back(DayPartitionName(table, day));
  ASSIGN_OR_RETURN(PgResult result,
                   db.Query("SELECT bool_and(to_regclass(n) IS NOT NULL), "
                            "coalesce(sum(pg_total_relation_size(to_regclass(n))), 0) "
                            "FROM unnest($1::text[]) n",
                            {PgParam::Text(ToPgTextArray(names))}));
  if (PQgetvalue(result.get(), 0, 0)[0] != 't') {
    return absl::NotFoundError(
        absl::StrCat("a partition of ", ExpireDay::OnDay(day).ToString(), " is missing"));
  }
  return std::stoll(PQgetvalue(result.get(), 0, 1));
}

}  // namespace

absl::Status CreateBlocks(PgConnection& db, int64_t payload_bytes, int count, uint64_t seed) {
  RETURN_IF_ERROR(
      db.Exec(absl::StrCat("DROP TABLE IF EXISTS pg_temp.", kBlocks, "; CREATE TEMP TABLE ",
                           kBlocks, " (block bigint PRIMARY KEY, data bytea NOT NULL)")));
  std::mt19937_64 random(seed);
  std::string block(static_cast<size_t>(payload_bytes), '\0');
  for (int i = 0; i < count; ++i) {
    for (size_t at = 0; at < block.size(); at += 8) {
      const uint64_t word = random();
      for (size_t b = 0; b < 8 && at + b < block.size(); ++b) {
        block[at + b] = static_cast<char>(word >> (8 * b));
      }
    }
    RETURN_IF_ERROR(db.Query(absl::StrCat("INSERT INTO ", kBlocks, " VALUES ($1, $2)"),
                             {PgParam::Int(i), PgParam::Bytes(block)})
                        .status());
  }
  return absl::OkStatus();
}

absl::StatusOr<FilledDay> FillExpiredDay(PgConnection& db, absl::CivilDay day, const FillPlan& plan,
                                         const std::string& project_id,
                                         const std::string& session_prefix,
                                         std::atomic<int64_t>& bytes_done) {
  FilledDay filled{.day = day, .plan = plan};
  const absl::Time started = absl::Now();
  // The day's partitions, as a worker made them: a 1-day retention, seen
  // the day before.
  ASSIGN_OR_RETURN(const PartitionsEnsured ensured,
                   WithContext(EnsureDayPartitions(db, day - 1, 0, {1}), "day partitions"));
  if (ensured.busy) {
    return absl::UnavailableError(
        "another partition maintainer (a worker or a retention job) held the turn; the "
        "benchmark needs a database of its own");
  }
  if (absl::Status created = PartitionBytes(db, day).status(); !created.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(created.message(),
                     " after EnsureDayPartitions (does the default partition hold rows "
                     "of that day?); use an empty database"));
  }
  // A day that expires was vacuumed long ago; this one, just filled, would
  // be vacuumed now (autovacuum reading and rewriting gigabytes) while the
  // writer is measured, until the drop cancels it.
  for (const char* table : kDayPartitionedTables) {
    RETURN_IF_ERROR(db.Exec(absl::StrCat("ALTER TABLE ", DayPartitionName(table, day),
                                         " SET (autovacuum_enabled = off, "
                                         "toast.autovacuum_enabled = off)")));
  }
  ASSIGN_OR_RETURN(PgResult blocks, db.Query(absl::StrCat("SELECT count(*) FROM ", kBlocks), {}));
  const int64_t block_count = std::stoll(PQgetvalue(blocks.get(), 0, 0));
  const std::string day_text = ExpireDay::OnDay(day).ToString();
  const std::string facts = FactsBytes();
  for (int64_t first = 0; first < plan.sessions; first += plan.sessions_per_chunk) {
    const int64_t end = std::min(plan.sessions, first + plan.sessions_per_chunk);
    RETURN_IF_ERROR(WithContext(
        FillChunk(db, plan, session_prefix, project_id, day_text, first, end, block_count, facts),
        absl::StrCat("fill sessions ", first, "-", end - 1)));
    bytes_done += (end - first) * plan.payloads_per_session * plan.payload_bytes;
  }
  filled.elapsed = absl::Now() - started;
  ASSIGN_OR_RETURN(filled.table_bytes, PartitionBytes(db, day));
  return filled;
}

absl::Status Settle(PgConnection& db) {
  if (absl::Status status = db.Exec("CHECKPOINT"); !status.ok()) {
    bench::Note(absl::StrCat("warning: CHECKPOINT refused (", status.message(),
                             "); the timings may include writing the fill's pages"));
  }
  return db.Exec("VACUUM ANALYZE sessions");
}

}  // namespace ingest::bench_retention
