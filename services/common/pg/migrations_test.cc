#include "services/common/pg/migrations.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/pg/testing/test_database.h"

namespace ingest {
namespace {

int CountRows(PgConnection& connection, const char* sql) {
  auto result = connection.Query(sql, {});
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? std::atoi(PQgetvalue(result->get(), 0, 0)) : -1;
}

TEST(MigrationsTest, CreatesTheSchemaOnceAndIsIdempotent) {
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  auto connection = (*database)->Connect();
  ASSERT_NE(connection, nullptr);

  ASSERT_TRUE(ApplyMigrations(*connection, absl::Seconds(5)).ok());
  ASSERT_TRUE(ApplyMigrations(*connection, absl::Seconds(5)).ok());
  EXPECT_EQ(CountRows(*connection, "SELECT count(*) FROM schema_migrations"),
            LatestSchemaVersion());
  EXPECT_EQ(CountRows(*connection,
                      "SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                      "('sessions', 'session_payloads', 'consumer_offsets')"),
            3);
  // Payload bytes are stored without PostgreSQL's own compression.
  auto storage = connection->Query(
      "SELECT attstorage FROM pg_attribute WHERE attrelid = 'session_payloads'::regclass "
      "AND attname = 'data'", {});
  ASSERT_TRUE(storage.ok());
  EXPECT_STREQ(PQgetvalue(storage->get(), 0, 0), "e");
  // v3: compressed storage, quarantine and verified-stream bookkeeping.
  EXPECT_EQ(CountRows(*connection,
                      "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                      "'session_payloads' AND column_name IN ('storage_encoding', 'data_sha256')"),
            2);
  EXPECT_EQ(CountRows(*connection,
                      "SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                      "('quarantined_sessions', 'payload_streams')"),
            2);
}

TEST(MigrationsTest, ConcurrentReplicasDoNotRace) {
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  std::vector<std::thread> replicas;
  std::vector<absl::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    replicas.emplace_back([&, i] {
      auto connection = (*database)->Connect();
      results[i] = connection ? ApplyMigrations(*connection, absl::Seconds(5))
                              : absl::UnavailableError("connect");
    });
  }
  for (auto& replica : replicas) replica.join();
  for (const auto& result : results) EXPECT_TRUE(result.ok()) << result;
  auto connection = (*database)->Connect();
  EXPECT_EQ(CountRows(*connection, "SELECT count(*) FROM schema_migrations"),
            LatestSchemaVersion());
}

TEST(MigrationsTest, LockedTableFailsWithinTheLockTimeoutInsteadOfHanging) {
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  auto holder = (*database)->Connect();
  // Another session holds the version table exclusively (as a long ALTER
  // would): the migrator must give up after its lock timeout.
  ASSERT_TRUE(holder->Exec("CREATE TABLE schema_migrations (version integer PRIMARY KEY, "
                           "applied_at timestamptz NOT NULL DEFAULT now())").ok());
  ASSERT_TRUE(holder->Exec("BEGIN; LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE").ok());
  auto migrator = (*database)->Connect();
  absl::Status status = ApplyMigrations(*migrator, absl::Milliseconds(300));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_NE(status.message().find("55P03"), absl::string_view::npos) << status;
  ASSERT_TRUE(holder->Exec("ROLLBACK").ok());
}

}  // namespace
}  // namespace ingest
