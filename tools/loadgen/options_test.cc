#include "tools/loadgen/options.h"

#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

LoadgenOptions Valid() {
  LoadgenOptions options;
  options.gateway = "127.0.0.1:50051";
  options.pg_dsn = "host=127.0.0.1 port=55432 dbname=ingest";
  return options;
}

TEST(ValidateOptionsTest, DefaultsWithEndpointsAreValid) {
  EXPECT_TRUE(ValidateOptions(Valid()).ok());
}

TEST(ValidateOptionsTest, RejectsEachBadOptionNamingItsFlag) {
  using Mutation = std::function<void(LoadgenOptions&)>;
  const std::vector<std::pair<std::string, Mutation>> cases = {
      {"--gateway", [](LoadgenOptions& o) { o.gateway = ""; }},
      {"--gateway", [](LoadgenOptions& o) { o.gateway = "localhost"; }},
      {"--pg_dsn", [](LoadgenOptions& o) { o.pg_dsn = ""; }},
      {"--sessions", [](LoadgenOptions& o) { o.sessions = 0; }},
      {"--payloads", [](LoadgenOptions& o) { o.payloads_per_session = -1; }},
      {"--min_payload_bytes",
       [](LoadgenOptions& o) { o.min_payload_bytes = 10; }},
      {"--max_payload_bytes",
       [](LoadgenOptions& o) {
         o.max_payload_bytes = o.min_payload_bytes - 1;
       }},
      {"--concurrency", [](LoadgenOptions& o) { o.concurrency = -1; }},
      {"--call_timeout",
       [](LoadgenOptions& o) { o.call_timeout = absl::ZeroDuration(); }},
      {"--max_attempts", [](LoadgenOptions& o) { o.max_attempts = 0; }},
      {"--verify_timeout",
       [](LoadgenOptions& o) { o.verify_timeout = -absl::Seconds(1); }},
      {"--completion_timeout",
       [](LoadgenOptions& o) { o.completion_timeout = -absl::Seconds(1); }},
      {"--label", [](LoadgenOptions& o) { o.label = "two words"; }},
  };
  for (const auto& [flag, mutate] : cases) {
    LoadgenOptions options = Valid();
    mutate(options);
    const absl::Status status = ValidateOptions(options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << flag;
    EXPECT_NE(status.message().find(flag), std::string::npos)
        << flag << ": " << status;
  }
}

TEST(EffectiveConcurrencyTest, DefaultsToSessionsAndIsCappedByThem) {
  LoadgenOptions options = Valid();
  options.sessions = 20;
  EXPECT_EQ(options.EffectiveConcurrency(), 20);
  options.concurrency = 4;
  EXPECT_EQ(options.EffectiveConcurrency(), 4);
  options.concurrency = 50;
  EXPECT_EQ(options.EffectiveConcurrency(), 20);
}

TEST(ClientOptionsForTest, MapsTheFlagsOntoTheSdk) {
  LoadgenOptions options = Valid();
  options.api_key = "sk_key";
  options.call_timeout = absl::Seconds(7);
  options.max_attempts = 3;
  const client::ClientOptions sdk = ClientOptionsFor(options);
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
