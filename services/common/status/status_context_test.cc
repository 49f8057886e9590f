#include "services/common/status/status_context.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(WithContextTest, PrefixesAnErrorAndKeepsItsCode) {
  const absl::Status status = WithContext(absl::UnavailableError("refused"), "PostgreSQL");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "PostgreSQL: refused");
  EXPECT_TRUE(WithContext(absl::OkStatus(), "PostgreSQL").ok());
}

TEST(WithContextTest, AStatusOrKeepsItsValueOrGetsTheContext) {
  EXPECT_EQ(*WithContext(absl::StatusOr<int>(7), "count"), 7);
  const absl::StatusOr<int> failed =
      WithContext(absl::StatusOr<int>(absl::NotFoundError("no table")), "count");
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(failed.status().message(), "count: no table");
}

TEST(WithContextTest, AHintSaysWhatToDoAfterTheMessage) {
  const absl::StatusOr<int> failed = WithContext(
      absl::StatusOr<int>(absl::UnavailableError("refused")), "Kafka", "; is the stack up?");
  EXPECT_EQ(failed.status().message(), "Kafka: refused; is the stack up?");
}

}  // namespace
}  // namespace ingest
