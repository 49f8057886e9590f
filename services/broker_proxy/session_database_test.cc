// PgSessionDatabase against a migrated database ($PG_DSN).

#include "services/broker_proxy/session_database.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/pg/testing/migrated_database_test.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

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

TEST_F(SessionDatabaseTest, ASessionNeverSeenIsNullopt) {
  auto read = CreatePgSessionDatabase(database_->dsn(), absl::Seconds(5))->ReadSession("p.none");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(read->has_value());
}

TEST_F(SessionDatabaseTest, AnUnreachableDatabaseIsUnavailable) {
  auto sessions = CreatePgSessionDatabase("host=127.0.0.1 port=1 dbname=x", absl::Seconds(2));
  EXPECT_EQ(sessions->ReadSession("p.a").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
