#include "services/gateway/session_id.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

const SessionIds& Ids() {
  static const SessionIds* ids = new SessionIds("0123456789abcdef-secret");
  return *ids;
}

TEST(SessionIdTest, NewIdsCarryTheirProjectAndAreUnique) {
  const std::string a = Ids().New("shop-web");
  const std::string b = Ids().New("shop-web");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), std::string("shop-web.").size() + 32 + 1 + 32);
  auto project = Ids().ProjectOf(a);
  ASSERT_TRUE(project.ok()) << project.status();
  EXPECT_EQ(*project, "shop-web");
  EXPECT_TRUE(Ids().CheckOwnedBy(a, "shop-web").ok());
}

TEST(SessionIdTest, AnotherProjectsKeyIsPermissionDenied) {
  const std::string id = Ids().New("shop-web");
  EXPECT_EQ(Ids().CheckOwnedBy(id, "backend").code(), absl::StatusCode::kPermissionDenied);
}

TEST(SessionIdTest, ForgedOrReboundIdsArePermissionDenied) {
  std::string id = Ids().New("shop-web");
  // Move the id to another project: the tag no longer matches.
  std::string moved = "backend" + id.substr(std::string("shop-web").size());
  EXPECT_EQ(Ids().ProjectOf(moved).status().code(), absl::StatusCode::kPermissionDenied);
  // Flip one hex digit of the random part.
  std::string flipped = id;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Ids().ProjectOf(flipped).status().code(), absl::StatusCode::kPermissionDenied);
  // Issued under another secret.
  SessionIds other("another-secret-of-16+bytes");
  EXPECT_EQ(Ids().ProjectOf(other.New("shop-web")).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(SessionIdTest, MalformedIdsAreInvalidArgument) {
  for (const char* id : {"", "no-dots", "p.0123", "p.0123456789abcdef0123456789abcdef",
                         "p.0123456789ABCDEF0123456789abcdef.0123456789abcdef0123456789abcdef",
                         ".0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef",
                         "bad project.0123456789abcdef0123456789abcdef."
                         "0123456789abcdef0123456789abcdef"}) {
    EXPECT_EQ(Ids().ProjectOf(id).status().code(), absl::StatusCode::kInvalidArgument) << id;
  }
  EXPECT_EQ(Ids().ProjectOf(std::string(500, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SessionIdTest, ValidatesProjectIds) {
  EXPECT_TRUE(ValidateProjectId("a_b-C9").ok());
  EXPECT_FALSE(ValidateProjectId("").ok());
  EXPECT_FALSE(ValidateProjectId(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateProjectId("a.b").ok());
}

TEST(SessionIdTest, SecretFileMustExistAndBeLongEnough) {
  EXPECT_EQ(SessionIds::LoadSecretFile("/nonexistent").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ingest
