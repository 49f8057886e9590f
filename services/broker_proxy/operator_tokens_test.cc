#include "services/broker_proxy/operator_tokens.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"

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
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(missing.status().message(), HasSubstr("Bearer <operator token>"));
  EXPECT_EQ(tokens->Authenticate("op-token-0123456789abc").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(tokens->Authenticate("Bearer op-token-0123456789abX").status().code(),
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

TEST(OperatorTokensTest, SaysWhoCalledByTheTokensNameOrItsDigest) {
  auto tokens = OperatorTokens::Parse(
      "op-token-alice-0123456789 alice\n"
      "op-token-ci-abcdefghijkl\tci-deploy@prod\n"
      "op-token-unnamed-0123456\n",
      "f");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->size(), 3u);
  EXPECT_EQ(tokens->Authenticate("Bearer op-token-alice-0123456789").value_or(""), "alice");
  EXPECT_EQ(tokens->Authenticate("Bearer op-token-ci-abcdefghijkl").value_or(""), "ci-deploy@prod");
  // Without a name: the digest's first 8 hex digits, never the token.
  const std::string unnamed = tokens->Authenticate("Bearer op-token-unnamed-0123456").value_or("");
  EXPECT_EQ(unnamed, "token:" + Sha256Hex("op-token-unnamed-0123456").substr(0, 8));
  EXPECT_THAT(unnamed, ::testing::Not(HasSubstr("unnamed")));
}

TEST(OperatorTokensTest, ARepeatedTokenAnswersItsFirstLinesName) {
  auto tokens =
      OperatorTokens::Parse("op-token-0123456789abc first\nop-token-0123456789abc second\n", "f");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->Authenticate("Bearer op-token-0123456789abc").value_or(""), "first");
}

TEST(OperatorTokensTest, RefusesMoreThanANameAfterTheTokenNamingTheLine) {
  auto extra = OperatorTokens::Parse("# ops\nop-token-0123456789abc Alice Smith\n", "tokens");
  EXPECT_EQ(extra.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(extra.status().message(), HasSubstr("tokens:2: a line is `<token> [name]`"));
  auto long_name =
      OperatorTokens::Parse("op-token-0123456789abc " + std::string(65, 'n') + "\n", "tokens");
  EXPECT_EQ(long_name.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(long_name.status().message(), HasSubstr("tokens:1: the name after the token"));
  EXPECT_TRUE(
      OperatorTokens::Parse("op-token-0123456789abc " + std::string(64, 'n') + "\n", "f").ok());
}

}  // namespace
}  // namespace ingest
