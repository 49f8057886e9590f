#pragma once

// A GoogleTest fixture with a fresh database that has the worker's schema
// (every migration applied) and a connection to it. Needs $PG_DSN, which
// `./dev test` passes. A test that adds to SetUp calls this one first and
// returns if it failed (HasFatalFailure()).

#include <memory>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/migrations.h"
#include "services/common/pg/testing/test_database.h"

namespace ingest {

class MigratedDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    db_ = database_->Connect();
    const absl::Status migrated = ApplyMigrations(*db_, absl::Seconds(5));
    ASSERT_TRUE(migrated.ok()) << migrated;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<PgConnection> db_;
};

}  // namespace ingest
