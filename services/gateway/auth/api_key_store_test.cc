#include "services/gateway/auth/api_key_store.h"

#include "absl/strings/str_cat.h"
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
  EXPECT_FALSE(ApiKeyStore::Parse("a sk_0123456789abcdef\nb sk_0123456789abcdef\n", "k").ok());
}

TEST(ApiKeyStoreTest, ADisabledKeyIsKnownButRefused) {
  auto store = ApiKeyStore::Parse(
      "shop-web sk_0123456789abcdef disabled\nshop-web sk_rotated_key_000001\n", "keys");
  ASSERT_TRUE(store.ok()) << store.status();
  const absl::StatusOr<std::string> refused = store->Authenticate("Bearer sk_0123456789abcdef");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("disabled"), absl::string_view::npos);
  EXPECT_EQ(refused.status().message().find("sk_0123456789abcdef"), absl::string_view::npos);
  EXPECT_EQ(*store->Authenticate("Bearer sk_rotated_key_000001"), "shop-web");
}

TEST(ApiKeyStoreTest, ProjectLimitsComeFromAnyOfItsLines) {
  auto store = ApiKeyStore::Parse(
      "shop-web sk_0123456789abcdef rate_bytes_per_second=1048576 inflight_bytes=4096\n"
      "shop-web sk_rotated_key_000001\n"
      "shop-web sk_third_key_00000001 burst_bytes=2e6 rate_bytes_per_second=1048576 "
      "inflight_bytes=4096\n"
      "backend-1 sk_fedcba9876543210\n",
      "keys");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->LimitsOf("shop-web"),
            (ProjectLimits{
                .rate_bytes_per_second = 1048576, .burst_bytes = 2e6, .inflight_bytes = 4096}));
  EXPECT_EQ(store->LimitsOf("backend-1"), ProjectLimits{});
  EXPECT_EQ(store->LimitsOf("unknown"), ProjectLimits{});
}

TEST(ApiKeyStoreTest, RefusesBadOptionsWithoutQuotingThem) {
  for (const char* line :
       {"p sk_0123456789abcdef rate_bytes_per_second=0", "p sk_0123456789abcdef inflight_bytes=-5",
        "p sk_0123456789abcdef burst_bytes=lots",
        "p sk_0123456789abcdef sk_pasted_second_key_99"}) {
    const auto store = ApiKeyStore::Parse(line, "keys");
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << line;
    EXPECT_EQ(store.status().message().find("sk_"), absl::string_view::npos) << store.status();
  }
  EXPECT_FALSE(ApiKeyStore::Parse("p sk_0123456789abcdef inflight_bytes=1\n"
                                  "p sk_rotated_key_000001 inflight_bytes=2\n",
                                  "keys")
                   .ok())
      << "one project, two limits";
}

TEST(ApiKeyStoreTest, RetentionDaysComeFromAnyOfTheProjectsLines) {
  auto store = ApiKeyStore::Parse(
      "shop-web sk_0123456789abcdef\n"
      "shop-web sk_rotated_key_000001 retention_days=90 inflight_bytes=4096\n"
      "shop-web sk_third_key_00000001 retention_days=90\n"
      "backend-1 sk_fedcba9876543210 retention_days=3650\n"
      "short sk_short_retention_0001 retention_days=1\n"
      "default sk_default_retention_01\n",
      "keys");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->LimitsOf("shop-web"),
            (ProjectLimits{.inflight_bytes = 4096, .retention_days = 90}));
  EXPECT_EQ(store->LimitsOf("backend-1").retention_days, 3650);
  EXPECT_EQ(store->LimitsOf("short").retention_days, 1);
  EXPECT_EQ(store->LimitsOf("default").retention_days, std::nullopt);
}

TEST(ApiKeyStoreTest, RefusesRetentionDaysOutOfRangeOrNotWholeDays) {
  for (const char* value : {"0", "-30", "3651", "1.5", "30d", "", "99999999999"}) {
    const auto store = ApiKeyStore::Parse(absl::StrCat("p sk_0123456789abcdef\n"
                                                       "p sk_rotated_key_000001 retention_days=",
                                                       value, "\n"),
                                          "keys.txt");
    ASSERT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << value;
    EXPECT_EQ(store.status().message(),
              "keys.txt:2: retention_days wants whole days from 1 to 3650 (e.g. retention_days=30)")
        << value;
  }
}

TEST(ApiKeyStoreTest, RefusesAProjectGivingTwoRetentions) {
  const auto store = ApiKeyStore::Parse(
      "# retention\n"
      "shop-web sk_0123456789abcdef retention_days=30\n"
      "backend-1 sk_fedcba9876543210 retention_days=90\n"
      "shop-web sk_rotated_key_000001 retention_days=90\n",
      "keys.txt");
  ASSERT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.status().message(),
            "keys.txt:4: retention_days differs from an earlier line of project shop-web: give it "
            "once, or the same on every line");
}

TEST(ApiKeyStoreTest, MissingFileSaysWhichFlag) {
  auto store = ApiKeyStore::LoadFile("/nonexistent/keys");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("--api_keys_file"), absl::string_view::npos);
}

}  // namespace
}  // namespace ingest
