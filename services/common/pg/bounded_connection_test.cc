// ConnectBounded against a fresh database ($PG_DSN).

#include "services/common/pg/bounded_connection.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/pg/testing/test_database.h"

namespace ingest {
namespace {

using ::testing::HasSubstr;

std::string Show(PgConnection& connection, const char* setting) {
  auto result = connection.Query(absl::StrCat("SHOW ", setting), {});
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? PQgetvalue(result->get(), 0, 0) : "";
}

TEST(BoundedConnectionTest, StatementsAreBoundedByTheTimeout) {
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  auto connection = ConnectBounded((*database)->dsn(), absl::Milliseconds(1500), "test");
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(Show(**connection, "statement_timeout"), "1500ms");
  EXPECT_EQ(Show(**connection, "default_transaction_read_only"), "off");
  EXPECT_TRUE((*connection)->Exec("CREATE TABLE t (x int)").ok());
}

TEST(BoundedConnectionTest, ReadOnlyRefusesWrites) {
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  auto connection =
      ConnectBounded((*database)->dsn(), absl::Seconds(5), "test", PgAccess::kReadOnly);
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(Show(**connection, "default_transaction_read_only"), "on");
  EXPECT_FALSE((*connection)->Exec("CREATE TABLE t (x int)").ok());
}

TEST(BoundedConnectionTest, AnUnreachableDatabaseIsUnavailableAndNamed) {
  auto connection =
      ConnectBounded("host=127.0.0.1 port=1 dbname=x", absl::Seconds(2), "the worker's offsets");
  EXPECT_EQ(connection.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(connection.status().message(), HasSubstr("PostgreSQL (the worker's offsets): "));
}

}  // namespace
}  // namespace ingest
