// PgRetentionDatabase against a migrated database ($PG_DSN): an erasure and
// a retention run through the libraries, on rows inserted with plain SQL.

#include "services/broker_proxy/retention_database.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/pg/testing/migrated_database_test.h"
#include "services/common/retention/day_partitions.h"
#include "services/common/retention/expire_day.h"

namespace ingest {
namespace {

using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class RetentionDatabaseTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    retention_ = CreatePgRetentionDatabase(database_->dsn(), absl::Seconds(10));
    auto today = DatabaseToday(*db_);
    ASSERT_TRUE(today.ok()) << today.status();
    today_ = *today;
  }

  void Exec(const std::string& sql) { ASSERT_TRUE(db_->Exec(sql).ok()) << sql; }

  std::string One(const std::string& sql) {
    auto result = db_->Query(sql, {});
    EXPECT_TRUE(result.ok()) << result.status() << " " << sql;
    return result.ok() && PQntuples(result->get()) > 0 ? PQgetvalue(result->get(), 0, 0) : "";
  }

  static std::string Day(absl::CivilDay day) { return ExpireDay::OnDay(day).ToString(); }

  // A session of `project` (identified as `user`) created at `created_at`,
  // expiring on `expire_day` ('infinity': stored before retention), with
  // `payloads` payloads of 100 bytes and their facts, and one feedback row.
  void AddSession(const std::string& session, const std::string& project, const std::string& user,
                  const std::string& expire_day, int payloads,
                  const std::string& created_at = "now()") {
    Exec(absl::StrCat(
        "INSERT INTO sessions (session_id, project_id, user_identifier, created_at, "
        "expire_day) VALUES ('",
        session, "', '", project, "', '", user, "', ", created_at, ", '", expire_day, "')"));
    for (int id = 1; id <= payloads; ++id) {
      Exec(absl::StrCat(
          "INSERT INTO session_payloads (session_id, payload_id, content_encoding, raw_size, data, "
          "received_at, kafka_partition, kafka_offset, expire_day) VALUES ('",
          session, "', ", id, ", 0, 100, decode(repeat('ab', 100), 'hex'), now(), 0, ",
          next_offset_++, ", '", expire_day, "')"));
      Exec(
          absl::StrCat("INSERT INTO payload_facts (session_id, payload_id, parsed, facts, "
                       "expire_day) VALUES ('",
                       session, "', ", id, ", true, '', '", expire_day, "')"));
    }
    Exec(
        absl::StrCat("INSERT INTO session_feedback (kafka_partition, kafka_offset, session_id, "
                     "project_id, verbatim, given_at, expire_day) VALUES (0, ",
                     next_offset_++, ", '", session, "', '", project, "', 'ok', ", created_at,
                     ", '", expire_day, "')"));
  }

  // "sessions=1 session_payloads=2 payload_facts=2 session_feedback=1".
  std::string RowsOf(const std::string& session) {
    std::string rows;
    for (const char* table :
         {"sessions", "session_payloads", "payload_facts", "session_feedback"}) {
      absl::StrAppend(
          &rows, rows.empty() ? "" : " ", table, "=",
          One(absl::StrCat("SELECT count(*) FROM ", table, " WHERE session_id = '", session, "'")));
    }
    return rows;
  }

  std::unique_ptr<RetentionDatabase> retention_;
  absl::CivilDay today_;
  int64_t next_offset_ = 0;
};

TEST_F(RetentionDatabaseTest, ErasesSessionsByIdLeavingTombstonesAndAnAuditRow) {
  AddSession("p.s1", "p", "ada", Day(today_ + 30), 2);
  AddSession("p.s2", "p", "bob", Day(today_ + 30), 1);

  ErasureRequest request;
  request.session_ids = {"p.s1", "p.never"};
  request.requested_by = "alice";
  request.dry_run = true;
  auto dry = retention_->Erase(request);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(dry->rows, 6);  // 1 session, 2 payloads, 2 facts, 1 feedback
  EXPECT_EQ(dry->bytes, 200);
  EXPECT_EQ(dry->erasure_id, 0);
  EXPECT_EQ(RowsOf("p.s1"), "sessions=1 session_payloads=2 payload_facts=2 session_feedback=1");
  EXPECT_EQ(One("SELECT count(*) FROM erasure_audit"), "0");

  request.dry_run = false;
  auto erased = retention_->Erase(request);
  ASSERT_TRUE(erased.ok()) << erased.status();
  ASSERT_EQ(erased->sessions.size(), 2u);
  EXPECT_EQ(erased->sessions[0].session_id, "p.never");
  EXPECT_EQ(erased->sessions[0].project_id, "");
  EXPECT_EQ(erased->sessions[1].session_id, "p.s1");
  EXPECT_EQ(erased->sessions[1].rows, 6);
  EXPECT_EQ(erased->sessions[1].bytes, 200);
  EXPECT_THAT(erased->rows_by_table,
              testing::IsSupersetOf({Pair("sessions", 1), Pair("session_payloads", 2),
                                     Pair("payload_facts", 2), Pair("session_feedback", 1)}));
  EXPECT_GT(erased->erasure_id, 0);
  EXPECT_EQ(RowsOf("p.s1"), "sessions=0 session_payloads=0 payload_facts=0 session_feedback=0");
  EXPECT_EQ(RowsOf("p.s2"), "sessions=1 session_payloads=1 payload_facts=1 session_feedback=1");
  EXPECT_EQ(One(absl::StrCat("SELECT requested_by || ' ' || scope || ' ' || rows_deleted || ' ' || "
                             "bytes_deleted FROM erasure_audit WHERE erasure_id = ",
                             erased->erasure_id)),
            "alice session 6 200");
  EXPECT_EQ(One("SELECT string_agg(session_id || ':' || coalesce(project_id, '-') || ':' || "
                "(erasure_id > 0)::text, ',' ORDER BY session_id) FROM erased_sessions"),
            "p.never:-:true,p.s1:p:true");
}

TEST_F(RetentionDatabaseTest, ErasesAUsersSessionsWithinItsProject) {
  AddSession("p.a", "p", "ada", Day(today_ + 30), 1);
  AddSession("p.b", "p", "ada", Day(today_ + 30), 1);
  AddSession("q.a", "q", "ada", Day(today_ + 30), 1);

  ErasureRequest request;
  request.project_id = "p";
  request.user_identifier = "ada";
  request.requested_by = "token:0a1b2c3d";
  auto erased = retention_->Erase(request);
  ASSERT_TRUE(erased.ok()) << erased.status();
  ASSERT_EQ(erased->sessions.size(), 2u);
  EXPECT_EQ(RowsOf("p.a"), "sessions=0 session_payloads=0 payload_facts=0 session_feedback=0");
  EXPECT_EQ(RowsOf("p.b"), "sessions=0 session_payloads=0 payload_facts=0 session_feedback=0");
  EXPECT_EQ(RowsOf("q.a"), "sessions=1 session_payloads=1 payload_facts=1 session_feedback=1");
  // The user only as a digest.
  EXPECT_EQ(One("SELECT requested_by || ' ' || scope || ' ' || project_id || ' ' || "
                "(user_identifier_sha256 = sha256('ada'))::text FROM erasure_audit"),
            "token:0a1b2c3d user p true");
}

TEST_F(RetentionDatabaseTest, AnErasureNamingNothingIsInvalid) {
  EXPECT_EQ(retention_->Erase(ErasureRequest{.requested_by = "alice"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Day D's partitions hold the payloads of sessions expiring on D; once D has
// passed they are dropped, and the sessions' own rows go by batches. A
// session stored before retention goes once older than the legacy age.
TEST_F(RetentionDatabaseTest, EnforcesRetentionDroppingPassedDaysAndRecordingTheRun) {
  const absl::CivilDay expired = today_ + 1;
  auto ensured = EnsureDayPartitions(*db_, today_, /*lookahead_days=*/0, {1});
  ASSERT_TRUE(ensured.ok()) << ensured.status();
  ASSERT_EQ(ensured->created, 2);  // session_payloads and payload_facts of today + 1
  AddSession("p.old", "p", "ada", Day(expired), 2);
  AddSession("p.young", "p", "bob", Day(today_ + 30), 1);
  AddSession("p.legacy", "p", "cy", "infinity", 1, "now() - interval '100 days'");
  AddSession("p.legacy_new", "p", "dee", "infinity", 1);
  EXPECT_EQ(
      One(absl::StrCat("SELECT count(*) FROM ", DayPartitionName("session_payloads", expired))),
      "2");

  auto none = retention_->LastEnforcement();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  // Enforcing as if two days from now: `expired` has passed.
  EnforcementOptions options;
  options.today = today_ + 2;
  options.requested_by = "alice";
  options.legacy_retention_days = 30;
  options.lookahead_days = 1;
  options.dry_run = true;
  auto dry = retention_->Enforce(options);
  ASSERT_TRUE(dry.ok()) << dry.status();
  ASSERT_EQ(dry->partitions.size(), 2u);
  EXPECT_EQ(dry->partitions[0].day, expired);
  EXPECT_GT(dry->bytes_dropped, 0);
  EXPECT_EQ(dry->sessions_deleted, 2);  // p.old and p.legacy
  EXPECT_EQ(dry->run_id, 0);
  EXPECT_EQ(RowsOf("p.old"), "sessions=1 session_payloads=2 payload_facts=2 session_feedback=1");
  EXPECT_EQ(One("SELECT count(*) FROM retention_runs"), "0");

  options.dry_run = false;
  const absl::Time before = absl::Now();
  auto report = retention_->Enforce(options);
  ASSERT_TRUE(report.ok()) << report.status();
  std::vector<std::string> dropped;
  for (const DayPartition& partition : report->partitions) dropped.push_back(partition.name);
  EXPECT_THAT(dropped, UnorderedElementsAre(DayPartitionName("session_payloads", expired),
                                            DayPartitionName("payload_facts", expired)));
  EXPECT_EQ(report->sessions_deleted, 2);
  EXPECT_GT(report->run_id, 0);
  EXPECT_EQ(One(absl::StrCat("SELECT to_regclass('", DayPartitionName("session_payloads", expired),
                             "') IS NULL")),
            "t");
  EXPECT_EQ(RowsOf("p.old"), "sessions=0 session_payloads=0 payload_facts=0 session_feedback=0");
  EXPECT_EQ(RowsOf("p.legacy"), "sessions=0 session_payloads=0 payload_facts=0 session_feedback=0");
  EXPECT_EQ(RowsOf("p.young"), "sessions=1 session_payloads=1 payload_facts=1 session_feedback=1");
  EXPECT_EQ(RowsOf("p.legacy_new"),
            "sessions=1 session_payloads=1 payload_facts=1 session_feedback=1");
  EXPECT_EQ(One(absl::StrCat("SELECT requested_by || ' ' || partitions_dropped || ' ' || "
                             "sessions_deleted FROM retention_runs WHERE run_id = ",
                             report->run_id)),
            "alice 2 2");

  auto last = retention_->LastEnforcement();
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_TRUE(last->has_value());
  EXPECT_GE(**last, before - absl::Seconds(5));  // the database's clock
  EXPECT_LE(**last, absl::Now() + absl::Seconds(5));

  // Idempotent: nothing left to drop or delete.
  auto again = retention_->Enforce(options);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(again->partitions, testing::IsEmpty());
  EXPECT_EQ(again->sessions_deleted, 0);
}

TEST(RetentionDatabaseUnreachableTest, IsUnavailable) {
  auto retention = CreatePgRetentionDatabase("host=127.0.0.1 port=1 dbname=none connect_timeout=2",
                                             absl::Seconds(2));
  EXPECT_EQ(retention->LastEnforcement().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(retention->Enforce({.dry_run = true}).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
