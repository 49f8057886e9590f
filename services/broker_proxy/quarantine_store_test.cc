// PgQuarantineStore against a migrated database ($PG_DSN).

#include "services/broker_proxy/quarantine_store.h"

#include "gtest/gtest.h"
#include "services/common/pg/testing/migrated_database_test.h"

namespace ingest {
namespace {

class QuarantineStoreTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Exec("INSERT INTO quarantined_sessions (topic, session_id, project_id, "
                          "kafka_partition, first_offset, reason) VALUES "
                          "('ingest.tasks', 'p.q', 'p', 3, 42, 'invalid_record')")
                    .ok());
    store_ = CreatePgQuarantineStore(database_->dsn(), absl::Seconds(5));
  }

  std::string RedriveIdColumn() {
    auto result = db_->Query(
        "SELECT coalesce(redrive_id, '<null>') FROM quarantined_sessions WHERE session_id = 'p.q'",
        {});
    if (!result.ok() || PQntuples(result->get()) != 1) return "<no row>";
    return PQgetvalue(result->get(), 0, 0);
  }

  std::unique_ptr<QuarantineStore> store_;
};

TEST_F(QuarantineStoreTest, ReadsTheQuarantineOfASessionInATopic) {
  auto read = store_->ReadQuarantine("ingest.tasks", "p.q");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->partition, 3);
  EXPECT_EQ((*read)->first_offset, 42);
  EXPECT_EQ((*read)->reason, "invalid_record");
  EXPECT_EQ((*read)->redrive_id, "");

  auto other_topic = store_->ReadQuarantine("other.tasks", "p.q");
  ASSERT_TRUE(other_topic.ok()) << other_topic.status();
  EXPECT_FALSE(other_topic->has_value());
  auto other_session = store_->ReadQuarantine("ingest.tasks", "p.none");
  ASSERT_TRUE(other_session.ok()) << other_session.status();
  EXPECT_FALSE(other_session->has_value());
}

TEST_F(QuarantineStoreTest, MarksOnlyTheQuarantineThatBeganAtTheOffsetRead) {
  auto stale = store_->MarkRedrive("ingest.tasks", "p.q", 41, "rd-stale");
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_FALSE(*stale);
  EXPECT_EQ(RedriveIdColumn(), "<null>");

  auto marked = store_->MarkRedrive("ingest.tasks", "p.q", 42, "rd-1");
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_TRUE(*marked);
  EXPECT_EQ(RedriveIdColumn(), "rd-1");
  auto read = store_->ReadQuarantine("ingest.tasks", "p.q");
  ASSERT_TRUE(read.ok() && read->has_value()) << read.status();
  EXPECT_EQ((*read)->redrive_id, "rd-1");

  auto missing = store_->MarkRedrive("ingest.tasks", "p.none", 42, "rd-2");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(*missing);
}

TEST_F(QuarantineStoreTest, ReadsTheErasureOfASession) {
  ASSERT_TRUE(db_->Exec("INSERT INTO erased_sessions (session_id, project_id, erasure_id, "
                        "erased_at) VALUES ('p.gone', 'p', 12, '2026-12-01 10:00:00+00')")
                  .ok());
  auto erased = store_->ReadErasure("p.gone");
  ASSERT_TRUE(erased.ok()) << erased.status();
  ASSERT_TRUE(erased->has_value());
  EXPECT_EQ((*erased)->erasure_id, 12);
  EXPECT_EQ((*erased)->erased_at, absl::FromUnixSeconds(1'796'119'200));
  auto kept = store_->ReadErasure("p.q");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_FALSE(kept->has_value());
}

TEST_F(QuarantineStoreTest, AnUnreachableDatabaseIsUnavailable) {
  auto store = CreatePgQuarantineStore("host=127.0.0.1 port=1 dbname=x", absl::Seconds(2));
  EXPECT_EQ(store->ReadQuarantine("ingest.tasks", "p.q").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->MarkRedrive("ingest.tasks", "p.q", 42, "rd").status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
