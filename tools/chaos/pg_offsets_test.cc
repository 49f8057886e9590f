#include "tools/chaos/pg_offsets.h"

#include <map>

#include "gtest/gtest.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/testing/migrated_database_test.h"
#include "services/common/pg/testing/test_database.h"

namespace ingest::chaos {
namespace {

// Needs a PostgreSQL server: `./dev test` passes PG_DSN.
class PgOffsetsTest : public MigratedDatabaseTest {
 protected:
  void Store(const std::string& topic, int partition, int64_t next_offset) {
    ASSERT_TRUE(
        db_->Query("INSERT INTO consumer_offsets (topic, partition, next_offset) "
                   "VALUES ($1, $2::integer, $3::bigint)",
                   {PgParam::Text(topic), PgParam::Int(partition), PgParam::Int(next_offset)})
            .ok());
  }
};

TEST_F(PgOffsetsTest, SumsTheTopicsNextOffsetsAndZeroWithoutRows) {
  auto source = ConnectPgOffsets(database_->dsn(), "ingest.tasks", absl::Seconds(2));
  ASSERT_TRUE(source.ok()) << source.status();
  absl::StatusOr<int64_t> sum = (*source)->SumNextOffsets();
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 0);

  Store("ingest.tasks", 0, 10);
  Store("ingest.tasks", 3, 32);
  Store("ingest.tasks.dlq", 0, 1000);  // another topic: not counted
  sum = (*source)->SumNextOffsets();
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 42);
}

TEST_F(PgOffsetsTest, ReadsEachPartitionOfTheTopic) {
  auto source = ConnectPgOffsets(database_->dsn(), "ingest.tasks", absl::Seconds(2));
  ASSERT_TRUE(source.ok()) << source.status();
  Store("ingest.tasks", 0, 10);
  Store("ingest.tasks", 3, 32);
  Store("ingest.tasks.dlq", 1, 1000);  // another topic: not read
  absl::StatusOr<std::map<int32_t, int64_t>> offsets = (*source)->ReadNextOffsets();
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  EXPECT_EQ(*offsets, (std::map<int32_t, int64_t>{{0, 10}, {3, 32}}));
  absl::StatusOr<int64_t> sum = (*source)->SumNextOffsets();
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 42);
}

TEST_F(PgOffsetsTest, ALockedTableFailsTheReadInsteadOfBlocking) {
  auto source = ConnectPgOffsets(database_->dsn(), "ingest.tasks", absl::Seconds(1));
  ASSERT_TRUE(source.ok()) << source.status();
  ASSERT_TRUE(db_->Exec("BEGIN; LOCK TABLE consumer_offsets IN ACCESS EXCLUSIVE MODE").ok());
  EXPECT_FALSE((*source)->SumNextOffsets().ok());  // statement_timeout
  ASSERT_TRUE(db_->Exec("ROLLBACK").ok());
  EXPECT_TRUE((*source)->SumNextOffsets().ok()) << "reads go on once the lock is gone";
}

// bench_e2e connects before any worker has created the table.
TEST(PgOffsetsConnectTest, ConnectsToADatabaseWithoutTheTableYet) {
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  auto source = ConnectPgOffsets((*database)->dsn(), "t", absl::Seconds(2));
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_FALSE((*source)->ReadNextOffsets().ok());  // until a worker migrates it
}

TEST(PgOffsetsConnectTest, AnUnreachableServerIsUnavailable) {
  auto source = ConnectPgOffsets("host=127.0.0.1 port=1 dbname=x", "t", absl::Seconds(2));
  EXPECT_EQ(source.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest::chaos
