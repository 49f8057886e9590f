#include "client/cpp/call_status.h"

#include "gtest/gtest.h"

namespace ingest::client {
namespace {

using Trailers = std::multimap<grpc::string_ref, grpc::string_ref>;

TEST(PushbackFromTrailersTest, ReadsEitherEntryAndTakesTheLonger) {
  EXPECT_EQ(PushbackFromTrailers({}), std::nullopt);
  EXPECT_EQ(PushbackFromTrailers(Trailers{{"retry-after-ms", "250"}}), absl::Milliseconds(250));
  EXPECT_EQ(PushbackFromTrailers(Trailers{{"grpc-retry-pushback-ms", "40"}}),
            absl::Milliseconds(40));
  EXPECT_EQ(PushbackFromTrailers(
                Trailers{{"retry-after-ms", "30"}, {"grpc-retry-pushback-ms", "45"}}),
            absl::Milliseconds(45));
  EXPECT_EQ(PushbackFromTrailers(Trailers{{"retry-after-ms", "0"}}), absl::ZeroDuration());
}

TEST(PushbackFromTrailersTest, IgnoresInvalidAndNegativeValuesAndOtherKeys) {
  EXPECT_EQ(PushbackFromTrailers(Trailers{{"retry-after-ms", "soon"}}), std::nullopt);
  EXPECT_EQ(PushbackFromTrailers(Trailers{{"retry-after-ms", "-5"}}), std::nullopt);
  EXPECT_EQ(PushbackFromTrailers(Trailers{{"retry-after", "100"}}), std::nullopt);
  EXPECT_EQ(PushbackFromTrailers(
                Trailers{{"retry-after-ms", "x"}, {"grpc-retry-pushback-ms", "12"}}),
            absl::Milliseconds(12));
}

TEST(ToAbslStatusTest, KeepsCodeAndMessage) {
  EXPECT_TRUE(ToAbslStatus(grpc::Status::OK).ok());
  const absl::Status status =
      ToAbslStatus(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "other project"));
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(), "other project");
}

}  // namespace
}  // namespace ingest::client
