#include "tools/loadgen/options.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

TEST(EffectiveConcurrencyTest, DefaultsToSessionsAndIsCappedByThem) {
  LoadgenOptions options;
  options.sessions = 20;
  EXPECT_EQ(options.EffectiveConcurrency(), 20);
  options.concurrency = 4;
  EXPECT_EQ(options.EffectiveConcurrency(), 4);
  options.concurrency = 50;
  EXPECT_EQ(options.EffectiveConcurrency(), 20);
}

TEST(ClientOptionsForTest, MapsTheFlagsOntoTheSdk) {
  LoadgenOptions options;
  options.gateway = "127.0.0.1:50051";
  options.api_key = "sk_key";
  options.call_timeout = absl::Seconds(7);
  options.max_attempts = 3;
  options.tls_ca_file = "/certs/ca.crt";
  const client::ClientOptions sdk = ClientOptionsFor(options);
  EXPECT_EQ(sdk.tls.ca_file, "/certs/ca.crt");
  EXPECT_EQ(sdk.tls.cert_file, "");
  EXPECT_EQ(sdk.targets, std::vector<std::string>{"127.0.0.1:50051"});
  EXPECT_EQ(sdk.api_key, "sk_key");
  EXPECT_EQ(sdk.call_deadline, absl::Seconds(7));
  EXPECT_EQ(sdk.retry.max_attempts, 3);
  EXPECT_EQ(sdk.retry.initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(sdk.retry.max_backoff, absl::Seconds(5));
  EXPECT_EQ(sdk.retry.max_elapsed, absl::InfiniteDuration());
  EXPECT_TRUE(client::ValidateClientOptions(sdk).ok());
}

}  // namespace
}  // namespace ingest::loadgen
