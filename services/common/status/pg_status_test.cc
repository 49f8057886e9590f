#include "services/common/status/pg_status.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(PgStatusTest, LockTimeoutIsRetriedAsUnavailable) {
  EXPECT_EQ(SqlStateToCode("55P03"), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsRetriablePgError(absl::UnavailableError("lock")));
}

TEST(PgStatusTest, StatementTimeoutIsDeadlineExceeded) {
  EXPECT_EQ(SqlStateToCode("57014"), absl::StatusCode::kDeadlineExceeded);
}

TEST(PgStatusTest, SerializationFailureAndDeadlockAreAborted) {
  EXPECT_EQ(SqlStateToCode("40001"), absl::StatusCode::kAborted);
  EXPECT_EQ(SqlStateToCode("40P01"), absl::StatusCode::kAborted);
}

TEST(PgStatusTest, ConnectionAndShutdownClassesAreUnavailable) {
  EXPECT_EQ(SqlStateToCode("08006"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqlStateToCode("57P01"), absl::StatusCode::kUnavailable);
}

TEST(PgStatusTest, DataAndSchemaErrorsAreNotRetried) {
  EXPECT_EQ(SqlStateToCode("22P02"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SqlStateToCode("42P01"), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(IsRetriablePgError(absl::InvalidArgumentError("bad")));
  EXPECT_FALSE(IsRetriablePgError(absl::FailedPreconditionError("schema")));
}

TEST(PgStatusTest, NullResultWithoutConnectionIsUnavailable) {
  absl::Status status = PgResultToStatus(nullptr, nullptr, "connect");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "connect: no connection");
}

}  // namespace
}  // namespace ingest
