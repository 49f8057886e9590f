#include "services/broker_proxy/operator_tokens.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest {
namespace {

using ::testing::HasSubstr;

TEST(OperatorTokensTest, AcceptsAnyListedTokenAsBearer) {
  auto tokens = OperatorTokens::Parse("# ops\nop-token-0123456789abc\n\nop-token-rotated-98765\n", "f");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_TRUE(tokens->Authenticate("Bearer op-token-0123456789abc").ok());
  EXPECT_TRUE(tokens->Authenticate("bearer op-token-rotated-98765").ok());
}

TEST(OperatorTokensTest, RefusesMissingMalformedAndUnknownTokens) {
  auto tokens = OperatorTokens::Parse("op-token-0123456789abc\n", "f");
  ASSERT_TRUE(tokens.ok());
  auto missing = tokens->Authenticate("");
  EXPECT_EQ(missing.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(missing.message(), HasSubstr("Bearer <operator token>"));
  EXPECT_EQ(tokens->Authenticate("op-token-0123456789abc").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(tokens->Authenticate("Bearer op-token-0123456789abX").code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(OperatorTokensTest, RejectsShortTokensAndEmptyFiles) {
  EXPECT_EQ(OperatorTokens::Parse("short\n", "f").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OperatorTokens::Parse("# nothing\n", "f").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OperatorTokens::LoadFile("/nonexistent/tokens").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ingest
