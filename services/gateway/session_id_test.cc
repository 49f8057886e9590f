#include "services/gateway/session_id.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(SessionIdTest, NewIdsCarryTheirProjectAndAreUnique) {
  const std::string a = NewSessionId("shop-web");
  const std::string b = NewSessionId("shop-web");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), std::string("shop-web.").size() + 32);
  auto project = ProjectOfSessionId(a);
  ASSERT_TRUE(project.ok()) << project.status();
  EXPECT_EQ(*project, "shop-web");
}

TEST(SessionIdTest, RejectsMalformedIds) {
  EXPECT_EQ(ProjectOfSessionId("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ProjectOfSessionId("no-dot").ok());
  EXPECT_FALSE(ProjectOfSessionId("p.0123").ok());
  EXPECT_FALSE(ProjectOfSessionId("p.0123456789ABCDEF0123456789abcdef").ok()) << "uppercase hex";
  EXPECT_FALSE(ProjectOfSessionId("bad project.0123456789abcdef0123456789abcdef").ok());
  EXPECT_FALSE(ProjectOfSessionId(".0123456789abcdef0123456789abcdef").ok());
}

TEST(SessionIdTest, ValidatesProjectIds) {
  EXPECT_TRUE(ValidateProjectId("a_b-C9").ok());
  EXPECT_FALSE(ValidateProjectId("").ok());
  EXPECT_FALSE(ValidateProjectId(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateProjectId("a.b").ok());
}

}  // namespace
}  // namespace ingest
