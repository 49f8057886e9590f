// ValidateClientOptions: what it refuses and what the refusal says to do.
// (Create refusing invalid options as a whole is in client_test.)

#include "client/cpp/options.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::client {
namespace {

using ::testing::HasSubstr;

ClientOptions Valid() {
  ClientOptions options;
  options.targets = {"127.0.0.1:1"};
  options.api_key = "sk_options_test";
  return options;
}

TEST(ValidateClientOptionsTest, TheDefaultsAreValid) {
  EXPECT_TRUE(ValidateClientOptions(Valid()).ok());
  EXPECT_EQ(ClientOptions().connect_timeout, absl::Seconds(20));
}

TEST(ValidateClientOptionsTest, AConnectTimeoutBelowGrpcsFloorIsRefused) {
  ClientOptions options = Valid();
  options.connect_timeout = absl::Milliseconds(100);
  EXPECT_TRUE(ValidateClientOptions(options).ok());
  options.connect_timeout = absl::Milliseconds(99);
  const absl::Status status = ValidateClientOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("ClientOptions.connect_timeout is 99ms"));
  EXPECT_THAT(status.message(), HasSubstr("at least 100 ms"));
  options.connect_timeout = absl::ZeroDuration();
  EXPECT_EQ(ValidateClientOptions(options).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ingest::client
