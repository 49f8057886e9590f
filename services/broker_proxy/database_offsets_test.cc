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

TEST_F(DatabaseOffsetsTest, AnUnreachableDatabaseIsUnavailable) {
  auto offsets = CreatePgDatabaseOffsets("host=127.0.0.1 port=1 dbname=x", absl::Seconds(2));
  EXPECT_EQ(offsets->NextOffsets("ingest.tasks").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
