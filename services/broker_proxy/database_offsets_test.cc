// PgDatabaseOffsets against a migrated database ($PG_DSN).

#include "services/broker_proxy/database_offsets.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/pg/testing/migrated_database_test.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

class DatabaseOffsetsTest : public MigratedDatabaseTest {};

TEST_F(DatabaseOffsetsTest, ReadsTheNextOffsetOfEachPartitionOfTheTopic) {
  ASSERT_TRUE(db_->Exec("INSERT INTO consumer_offsets (topic, partition, next_offset) VALUES "
                        "('ingest.tasks', 0, 90), ('ingest.tasks', 3, 7), ('other', 0, 5)")
                  .ok());
  auto offsets = CreatePgDatabaseOffsets(database_->dsn(), absl::Seconds(5));

  auto read = offsets->NextOffsets("ingest.tasks");

  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(*read, ElementsAre(Pair(0, 90), Pair(3, 7)));
  auto none = offsets->NextOffsets("unknown");
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(DatabaseOffsetsTest, SetsNextOffsetsBackwardsAndForwardsAndInsertsMissingRows) {
  ASSERT_TRUE(db_->Exec("INSERT INTO consumer_offsets (topic, partition, next_offset) VALUES "
                        "('ingest.tasks', 0, 90), ('ingest.tasks', 1, 7), ('other', 0, 5)")
                  .ok());
  auto offsets = CreatePgDatabaseOffsets(database_->dsn(), absl::Seconds(5));

  absl::Status set = offsets->SetNextOffsets("ingest.tasks", {{0, 10}, {1, 70}, {2, 3}});

  ASSERT_TRUE(set.ok()) << set;
  auto read = offsets->NextOffsets("ingest.tasks");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(*read, ElementsAre(Pair(0, 10), Pair(1, 70), Pair(2, 3)));
  auto other = offsets->NextOffsets("other");
  ASSERT_TRUE(other.ok());
  EXPECT_THAT(*other, ElementsAre(Pair(0, 5)));
}

TEST_F(DatabaseOffsetsTest, SettingIsAllOrNothing) {
  ASSERT_TRUE(db_->Exec("INSERT INTO consumer_offsets (topic, partition, next_offset) VALUES "
                        "('ingest.tasks', 0, 90)")
                  .ok());
  auto offsets = CreatePgDatabaseOffsets(database_->dsn(), absl::Seconds(5));

  absl::Status set = offsets->SetNextOffsets("ingest.tasks", {{0, 10}, {1, 5}});
  ASSERT_TRUE(set.ok()) << set;
  // From now on a row of partition 2 fails, after those of 0 and 1.
  ASSERT_TRUE(db_->Exec("ALTER TABLE consumer_offsets ADD CONSTRAINT test_small "
                        "CHECK (partition < 2)")
                  .ok());

  set = offsets->SetNextOffsets("ingest.tasks", {{0, 1}, {1, 1}, {2, 1}});

  EXPECT_FALSE(set.ok());
  auto read = offsets->NextOffsets("ingest.tasks");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(*read, ElementsAre(Pair(0, 10), Pair(1, 5)));
}

TEST_F(DatabaseOffsetsTest, AnUnreachableDatabaseIsUnavailable) {
  auto offsets = CreatePgDatabaseOffsets("host=127.0.0.1 port=1 dbname=x", absl::Seconds(2));
  EXPECT_EQ(offsets->NextOffsets("ingest.tasks").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(offsets->SetNextOffsets("ingest.tasks", {{0, 1}}).code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
