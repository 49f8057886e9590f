#include "services/gateway/auth/api_key_store.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

constexpr char kKeys[] = R"(# project api_key
shop-web   sk_0123456789abcdef
shop-web   sk_rotated_key_000001

backend-1 sk_fedcba9876543210
)";

TEST(ApiKeyStoreTest, MapsEachKeyToItsProject) {
  auto store = ApiKeyStore::Parse(kKeys, "keys");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 3u);
  EXPECT_EQ(*store->ProjectOf("sk_0123456789abcdef"), "shop-web");
  EXPECT_EQ(*store->ProjectOf("sk_rotated_key_000001"), "shop-web");
  EXPECT_EQ(*store->Authenticate("Bearer sk_fedcba9876543210"), "backend-1");
}

TEST(ApiKeyStoreTest, MissingOrUnknownKeysAreUnauthenticated) {
  auto store = ApiKeyStore::Parse(kKeys, "keys");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->Authenticate("").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store->Authenticate("Bearer nope-nope-nope-nope").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store->Authenticate("sk_0123456789abcdef").status().code(),
            absl::StatusCode::kUnauthenticated)
      << "the Bearer scheme is required";
}

TEST(ApiKeyStoreTest, RejectsMalformedFilesWithTheLine) {
  auto bad = ApiKeyStore::Parse("ok-project sk_0123456789abcdef\nonly-one-field\n", "keys.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("keys.txt:2"), absl::string_view::npos) << bad.status();
  EXPECT_FALSE(ApiKeyStore::Parse("p short\n", "k").ok());
  EXPECT_FALSE(ApiKeyStore::Parse("bad.project sk_0123456789abcdef\n", "k").ok());
  EXPECT_FALSE(ApiKeyStore::Parse("# nothing\n", "k").ok());
  EXPECT_FALSE(
      ApiKeyStore::Parse("a sk_0123456789abcdef\nb sk_0123456789abcdef\n", "k").ok());
}

TEST(ApiKeyStoreTest, MissingFileSaysWhichFlag) {
  auto store = ApiKeyStore::LoadFile("/nonexistent/keys");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("--api_keys_file"), absl::string_view::npos);
}

}  // namespace
}  // namespace ingest
