// PgSessionDatabase against a migrated database ($PG_DSN).

#include "services/broker_proxy/session_database.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/v1/facts.pb.h"
#include "services/common/pg/testing/migrated_database_test.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

class SessionDatabaseTest : public MigratedDatabaseTest {
 protected:
  void AddPayload(const std::string& session, int64_t payload_id, int chunk, int bytes,
                  const std::string& received_at) {
    ASSERT_TRUE(db_->Exec(absl::StrCat(
                            "INSERT INTO session_payloads (session_id, payload_id, chunk_index, "
                            "content_encoding, raw_size, data, received_at, kafka_partition, "
                            "kafka_offset) VALUES ('",
                            session, "', ", payload_id, ", ", chunk, ", 0, ", bytes,
                            ", decode(repeat('ab', ", bytes, "), 'hex'), '", received_at,
                            "', 0, ", payload_id * 10 + chunk, ")"))
                    .ok());
  }

  void Exec(const std::string& sql) { ASSERT_TRUE(db_->Exec(sql).ok()) << sql; }

  // A payload_facts row of `session` with `pages` (a text[] literal such
  // as '{a,b}'); the facts bytes are not read by broker-proxy.
  void AddFacts(const std::string& session, int64_t payload_id, const std::string& pages,
                bool parsed = true) {
    Exec(absl::StrCat("INSERT INTO payload_facts (session_id, payload_id, parsed, pages, facts) "
                      "VALUES ('",
                      session, "', ", payload_id, ", ", parsed ? "true" : "false", ", '", pages,
                      "', '')"));
  }

  void SetSummary(const std::string& session, const std::string& bytes) {
    auto updated = db_->Query("UPDATE sessions SET summary = $1 WHERE session_id = $2",
                              {PgParam::Bytes(bytes), PgParam::Text(session)});
    ASSERT_TRUE(updated.ok()) << updated.status();
  }

  // A sessions row as the worker writes it after schema v8: the lifecycle
  // and the summary's readable copies (`n` sets every count).
  void AddListedSession(const std::string& session, const std::string& project,
                        const std::string& status, const std::string& created_at, int n) {
    Exec(absl::StrCat(
        "INSERT INTO sessions (session_id, project_id, created_at, payload_count, status, "
        "last_activity_at, completed_at, length_ms, active_ms, clicks, rage_clicks, "
        "frontend_errors, landing_page, exit_page, pages_visited) VALUES ('",
        session, "', '", project, "', '", created_at, "', ", n, ", '", status, "', '", created_at,
        "'::timestamptz + interval '30 seconds', ",
        status == "completed" ? absl::StrCat("'", created_at, "'::timestamptz + interval '5 min'")
                              : "NULL",
        ", ", n * 1000, ", ", n * 500, ", ", n, ", ", n, ", ", n, ", 'https://a.example/", n,
        "', 'https://a.example/exit", n, "', ", n, ")"));
  }

  static std::vector<std::string> Ids(const std::vector<SessionListEntry>& entries) {
    std::vector<std::string> ids;
    for (const SessionListEntry& entry : entries) ids.push_back(entry.session_id);
    return ids;
  }
};

TEST_F(SessionDatabaseTest, ReadsPayloadsGapsBytesAndTimes) {
  ASSERT_TRUE(db_->Exec("INSERT INTO sessions (session_id, project_id) VALUES ('p.s1', 'p')").ok());
  // Ids 2, 3 (two chunks), 7, 8, 10: gaps 1, 4..6, 9.
  AddPayload("p.s1", 2, 0, 10, "2026-01-01T00:00:01Z");
  AddPayload("p.s1", 3, 0, 5, "2026-01-01T00:00:02Z");
  AddPayload("p.s1", 3, 1, 5, "2026-01-01T00:00:02Z");
  AddPayload("p.s1", 7, 0, 1, "2026-01-01T00:00:03Z");
  AddPayload("p.s1", 8, 0, 1, "2026-01-01T00:00:04Z");
  AddPayload("p.s1", 10, 0, 3, "2026-01-01T00:00:05Z");
  AddPayload("p.other", 1, 0, 100, "2026-01-01T00:00:00Z");
  auto sessions = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5));

  auto read = sessions->ReadSession("p.s1");

  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  const SessionFacts& facts = **read;
  EXPECT_EQ(facts.project_id, "p");
  EXPECT_TRUE(facts.has_rows);
  EXPECT_FALSE(facts.quarantined);
  EXPECT_EQ(facts.payloads, 5);
  EXPECT_EQ(facts.highest_payload_id, 10u);
  EXPECT_THAT(facts.gaps, ElementsAre(Pair(1u, 1u), Pair(4u, 6u), Pair(9u, 9u)));
  EXPECT_EQ(facts.stored_bytes, 25);
  EXPECT_EQ(facts.first_received, absl::FromUnixSeconds(1767225601));
  EXPECT_EQ(facts.last_received, absl::FromUnixSeconds(1767225605));
}

TEST_F(SessionDatabaseTest, ReportsAtMost100GapRanges) {
  for (int id = 2; id <= 400; id += 2) AddPayload("p.holes", id, 0, 1, "2026-01-01T00:00:00Z");
  auto read = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5))->ReadSession("p.holes");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->payloads, 200);
  ASSERT_EQ((*read)->gaps.size(), static_cast<size_t>(kMaxReportedGaps));
  EXPECT_EQ((*read)->gaps.front(), std::make_pair(uint64_t{1}, uint64_t{1}));
  EXPECT_EQ((*read)->gaps.back(), std::make_pair(uint64_t{199}, uint64_t{199}));
}

TEST_F(SessionDatabaseTest, AQuarantinedSessionWithoutRows) {
  ASSERT_TRUE(db_->Exec("INSERT INTO quarantined_sessions (topic, session_id, project_id, "
                        "kafka_partition, first_offset, reason, quarantined_at) VALUES "
                        "('ingest.tasks', 'p.q', 'p', 3, 42, 'invalid_record', "
                        "'2026-01-01T00:00:00.250Z')")
                  .ok());
  auto read = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5))->ReadSession("p.q");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_TRUE((*read)->quarantined);
  EXPECT_FALSE((*read)->has_rows);
  EXPECT_EQ((*read)->quarantine_reason, "invalid_record");
  EXPECT_EQ((*read)->redrive_id, "");
  EXPECT_EQ((*read)->quarantined_at, absl::FromUnixMillis(1767225600250));
  EXPECT_EQ((*read)->project_id, "p");
  EXPECT_EQ((*read)->payloads, 0);
  EXPECT_THAT((*read)->gaps, IsEmpty());
  EXPECT_FALSE((*read)->first_received.has_value());
}

TEST_F(SessionDatabaseTest, AQuarantineUnderRedriveNamesTheRedrive) {
  ASSERT_TRUE(db_->Exec("INSERT INTO quarantined_sessions (topic, session_id, project_id, "
                        "kafka_partition, first_offset, reason, redrive_id) VALUES "
                        "('ingest.tasks', 'p.r', 'p', 1, 7, 'invalid_record', 'rd-1-abc')")
                  .ok());
  auto read = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5))->ReadSession("p.r");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_TRUE((*read)->quarantined);
  EXPECT_EQ((*read)->redrive_id, "rd-1-abc");
}

// sessions.expire_day as YYYY-MM-DD whatever the database's DateStyle;
// "infinity" for a session stored before retention; empty without a
// sessions row.
TEST_F(SessionDatabaseTest, ReadsTheExpiryDay) {
  Exec(
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET datestyle = ''SQL, DMY''', "
      "current_database()); END $$");
  Exec(
      "INSERT INTO sessions (session_id, project_id, expire_day) VALUES ('p.dated', 'p', "
      "'2026-12-14')");
  Exec("INSERT INTO sessions (session_id, project_id) VALUES ('p.legacy', 'p')");
  Exec(
      "INSERT INTO quarantined_sessions (topic, session_id, project_id, kafka_partition, "
      "first_offset, reason) VALUES ('ingest.tasks', 'p.q', 'p', 3, 42, 'invalid_record')");
  auto sessions = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5));
  const auto expire_day = [&](const std::string& session) -> std::string {
    auto read = sessions->ReadSession(session);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() && read->has_value() ? (*read)->expire_day : "?";
  };
  EXPECT_EQ(expire_day("p.dated"), "2026-12-14");
  EXPECT_EQ(expire_day("p.legacy"), "infinity");
  EXPECT_EQ(expire_day("p.q"), "");
}

TEST_F(SessionDatabaseTest, ASessionNeverSeenIsNullopt) {
  auto read = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5))->ReadSession("p.none");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(read->has_value());
}

TEST_F(SessionDatabaseTest, AnUnreachableDatabaseIsUnavailable) {
  auto sessions = CreatePgSessionDatabase("host=127.0.0.1 port=1 dbname=x", absl::Seconds(2));
  EXPECT_EQ(sessions->ReadSession("p.a").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(sessions->ListSessions({}).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(SessionDatabaseTest, ReadsTheLifecycleSummaryAndOrderedPages) {
  Exec("INSERT INTO sessions (session_id, project_id, status, completed_at, reopened_count, "
       "last_activity_at) VALUES ('p.done', 'p', 'completed', '2026-01-01T00:05:00.250Z', 2, "
       "'2026-01-01T00:04:00Z')");
  v1::SessionSummary summary;
  summary.set_payloads(4);
  summary.set_last_payload_id(4);
  summary.set_unparsed_payloads(1);
  summary.set_length_ms(252000);
  summary.set_active_ms(61000);
  summary.set_event_count(120);
  for (uint64_t count : {0, 1, 2, 100, 3, 14, 0, 0}) summary.add_events_by_type(count);
  summary.set_clicks(9);
  summary.set_rage_clicks(1);
  summary.set_landing_page("https://a.example/");
  summary.set_exit_page("https://a.example/");
  summary.set_pages_visited(4);
  summary.mutable_open_cluster()->set_clicks(2);
  SetSummary("p.done", summary.SerializeAsString());
  // Inserted out of order; payload 2's first page repeats payload 1's last
  // and is dropped, payload 3 was not parsed, payload 4 comes back to a.
  AddFacts("p.done", 4, "{https://a.example/c,https://a.example/}");
  AddFacts("p.done", 2, "{https://a.example/b,https://a.example/c}");
  AddFacts("p.done", 1, "{https://a.example/,https://a.example/b}");
  AddFacts("p.done", 3, "{}", /*parsed=*/false);
  AddFacts("p.other", 1, "{https://elsewhere.example/}");
  auto sessions = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5));

  auto read = sessions->ReadSession("p.done");

  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  const SessionFacts& facts = **read;
  EXPECT_EQ(facts.lifecycle, "completed");
  EXPECT_EQ(facts.completed_at, absl::FromUnixMillis(1767225900250));
  EXPECT_EQ(facts.reopened_count, 2);
  EXPECT_EQ(facts.last_activity, absl::FromUnixSeconds(1767225840));
  EXPECT_EQ(facts.summary.SerializeAsString(), summary.SerializeAsString());
  EXPECT_EQ(facts.summary.open_cluster().clicks(), 2u);
  EXPECT_THAT(facts.pages, ElementsAre("https://a.example/", "https://a.example/b",
                                       "https://a.example/c", "https://a.example/"));
  EXPECT_FALSE(facts.pages_truncated);
}

TEST_F(SessionDatabaseTest, ALegacySessionHasNoLifecycleAndAnEmptySummary) {
  Exec("INSERT INTO sessions (session_id, project_id) VALUES ('p.old', 'p')");
  AddPayload("p.old", 1, 0, 4, "2026-01-01T00:00:01Z");
  auto read = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5))->ReadSession("p.old");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->lifecycle, "");
  EXPECT_FALSE((*read)->completed_at.has_value());
  EXPECT_FALSE((*read)->last_activity.has_value());
  EXPECT_EQ((*read)->reopened_count, 0);
  EXPECT_EQ((*read)->summary.ByteSizeLong(), 0u);
  EXPECT_THAT((*read)->pages, IsEmpty());
  EXPECT_EQ((*read)->payloads, 1);
}

TEST_F(SessionDatabaseTest, PagesAreCappedAtTheFirstThousand) {
  Exec("INSERT INTO sessions (session_id, project_id, status) VALUES ('p.many', 'p', 'live'), "
       "('p.full', 'p', 'live')");
  // 1001 distinct page views over two payloads; exactly 1000 in the other.
  Exec("INSERT INTO payload_facts (session_id, payload_id, parsed, pages, facts) VALUES "
       "('p.many', 1, true, ARRAY(SELECT 'https://a.example/' || i FROM generate_series(1, 600) i), ''), "
       "('p.many', 2, true, ARRAY(SELECT 'https://a.example/' || i FROM generate_series(601, 1001) i), ''), "
       "('p.full', 1, true, ARRAY(SELECT 'https://a.example/' || i FROM generate_series(1, 1000) i), '')");
  auto sessions = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5));

  auto many = sessions->ReadSession("p.many");
  ASSERT_TRUE(many.ok()) << many.status();
  ASSERT_TRUE(many->has_value());
  ASSERT_THAT((*many)->pages, SizeIs(kMaxSessionPages));
  EXPECT_EQ((*many)->pages.front(), "https://a.example/1");
  EXPECT_EQ((*many)->pages.back(), "https://a.example/1000");
  EXPECT_TRUE((*many)->pages_truncated);

  auto full = sessions->ReadSession("p.full");
  ASSERT_TRUE(full.ok()) << full.status();
  ASSERT_TRUE(full->has_value());
  EXPECT_THAT((*full)->pages, SizeIs(kMaxSessionPages));
  EXPECT_FALSE((*full)->pages_truncated);
}

TEST_F(SessionDatabaseTest, ASummaryThatDoesNotParseIsDataLoss) {
  Exec("INSERT INTO sessions (session_id, project_id, status) VALUES ('p.bad', 'p', 'live')");
  SetSummary("p.bad", std::string("\xff\xff\xff", 3));
  auto read = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5))->ReadSession("p.bad");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), ::testing::HasSubstr("p.bad"));
}

TEST_F(SessionDatabaseTest, ADatabaseBeforeSchemaV8ReadsSessionsWithoutSummaries) {
  // What schema v8 added, taken away again: a database the worker has not
  // migrated yet.
  Exec("DROP TABLE payload_facts; ALTER TABLE sessions DROP COLUMN status, "
       "DROP COLUMN summary, DROP COLUMN completed_at");
  Exec("INSERT INTO sessions (session_id, project_id) VALUES ('p.v7', 'p')");
  AddPayload("p.v7", 1, 0, 4, "2026-01-01T00:00:01Z");
  auto sessions = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5));

  auto read = sessions->ReadSession("p.v7");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->payloads, 1);
  EXPECT_EQ((*read)->lifecycle, "");
  EXPECT_THAT((*read)->pages, IsEmpty());

  auto list = sessions->ListSessions({});
  EXPECT_EQ(list.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(list.status().message(), ::testing::HasSubstr("schema v8"));
}

TEST_F(SessionDatabaseTest, ListsNewestFirstAcrossPagesWithTiesOnCreatedAt) {
  // Seven sessions of project p: three share one microsecond, two another;
  // a legacy row (no status); and sessions of project q in between.
  AddListedSession("p.a", "p", "completed", "2026-01-01T00:00:01.000001Z", 1);
  AddListedSession("p.b", "p", "live", "2026-01-01T00:00:02.123457Z", 2);
  AddListedSession("p.c", "p", "completed", "2026-01-01T00:00:02.123457Z", 3);
  AddListedSession("p.d", "p", "live", "2026-01-01T00:00:02.123457Z", 4);
  AddListedSession("p.e", "p", "live", "2026-01-01T00:00:03.5Z", 5);
  AddListedSession("p.f", "p", "completed", "2026-01-01T00:00:03.5Z", 6);
  AddListedSession("q.x", "q", "live", "2026-01-01T00:00:02.5Z", 7);
  Exec("INSERT INTO sessions (session_id, project_id, created_at) VALUES "
       "('p.legacy', 'p', '2026-01-01T00:00:00Z')");
  auto sessions = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5));

  SessionListQuery query;
  query.project_id = "p";
  query.limit = 3;
  std::vector<std::vector<std::string>> pages;
  for (int i = 0; i < 5; ++i) {
    auto page = sessions->ListSessions(query);
    ASSERT_TRUE(page.ok()) << page.status();
    pages.push_back(Ids(*page));
    if (static_cast<int>(page->size()) < query.limit) break;
    query.after = page->back().cursor();
  }
  EXPECT_THAT(pages, ElementsAre(ElementsAre("p.f", "p.e", "p.d"), ElementsAre("p.c", "p.b", "p.a"),
                                 ElementsAre("p.legacy")));

  // The cursor keeps the microseconds: after p.c, exactly p.b and on.
  query.after = SessionCursor{absl::FromUnixMicros(1767225602123457), "p.c"};
  query.limit = 10;
  auto after_c = sessions->ListSessions(query);
  ASSERT_TRUE(after_c.ok()) << after_c.status();
  EXPECT_THAT(Ids(*after_c), ElementsAre("p.b", "p.a", "p.legacy"));

  // What a row carries.
  query.after.reset();
  query.limit = 10;
  auto all = sessions->ListSessions(query);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_THAT(*all, SizeIs(7));
  const SessionListEntry& c = (*all)[3];
  EXPECT_EQ(c.session_id, "p.c");
  EXPECT_EQ(c.project_id, "p");
  EXPECT_EQ(c.lifecycle, "completed");
  EXPECT_EQ(c.created_at, absl::FromUnixMicros(1767225602123457));
  EXPECT_EQ(c.last_activity, absl::FromUnixMillis(1767225632123));
  EXPECT_EQ(c.completed_at, absl::FromUnixMillis(1767225902123));
  EXPECT_EQ(c.payloads, 3);
  EXPECT_EQ(c.length_ms, 3000);
  EXPECT_EQ(c.active_ms, 1500);
  EXPECT_EQ(c.clicks, 3);
  EXPECT_EQ(c.rage_clicks, 3);
  EXPECT_EQ(c.errors, 3);
  EXPECT_EQ(c.landing_page, "https://a.example/3");
  EXPECT_EQ(c.exit_page, "https://a.example/exit3");
  EXPECT_EQ(c.pages_visited, 3);
  const SessionListEntry& legacy = all->back();
  EXPECT_EQ(legacy.session_id, "p.legacy");
  EXPECT_EQ(legacy.lifecycle, "");
  EXPECT_FALSE(legacy.last_activity.has_value());
  EXPECT_FALSE(legacy.completed_at.has_value());
  EXPECT_EQ(legacy.length_ms, 0);
  EXPECT_EQ(legacy.landing_page, "");
}

TEST_F(SessionDatabaseTest, ListFiltersByProjectStatusAndCreationTime) {
  AddListedSession("p.a", "p", "completed", "2026-01-01T00:00:01Z", 1);
  AddListedSession("p.b", "p", "live", "2026-01-01T00:00:02Z", 2);
  AddListedSession("p.c", "p", "completed", "2026-01-01T00:00:03Z", 3);
  AddListedSession("q.x", "q", "live", "2026-01-01T00:00:04Z", 4);
  Exec("INSERT INTO sessions (session_id, project_id, created_at) VALUES "
       "('p.legacy', 'p', '2026-01-01T00:00:05Z')");
  auto sessions = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5));
  const auto list = [&](SessionListQuery query) {
    query.limit = 100;
    auto entries = sessions->ListSessions(query);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? Ids(*entries) : std::vector<std::string>{};
  };

  EXPECT_THAT(list({}), ElementsAre("p.legacy", "q.x", "p.c", "p.b", "p.a"));
  EXPECT_THAT(list({.lifecycle = "live"}), ElementsAre("q.x", "p.b"));
  EXPECT_THAT(list({.project_id = "p", .lifecycle = "completed"}), ElementsAre("p.c", "p.a"));
  EXPECT_THAT(list({.project_id = "q"}), ElementsAre("q.x"));
  EXPECT_THAT(list({.project_id = "none"}), IsEmpty());
  // created_at at or after the bound (to the millisecond).
  EXPECT_THAT(list({.created_since = absl::FromUnixSeconds(1767225602)}),
              ElementsAre("p.legacy", "q.x", "p.c", "p.b"));
  EXPECT_THAT(list({.project_id = "p",
                    .lifecycle = "completed",
                    .created_since = absl::FromUnixMillis(1767225602001)}),
              ElementsAre("p.c"));
}

}  // namespace
}  // namespace ingest
