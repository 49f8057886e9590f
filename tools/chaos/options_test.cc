#include "tools/chaos/options.h"

#include <functional>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

ChaosOptions Valid() {
  ChaosOptions options;
  options.name = "pg-lock";
  options.gateways = {"127.0.0.1:50051", "localhost:50052"};
  options.api_key = "key";
  options.pg_dsn = "dbname=ingest";
  options.kafka_bootstrap = "127.0.0.1:9092";
  options.marks_file = "/tmp/marks";
  return options;
}

TEST(ValidateOptionsTest, AcceptsTheDefaultsWithTheRequiredFields) {
  EXPECT_TRUE(ValidateOptions(Valid()).ok());
}

TEST(ValidateOptionsTest, RejectsEachUnusableOptionNamingItsFlag) {
  struct Case {
    const char* flag;
    std::function<void(ChaosOptions&)> spoil;
  };
  const std::vector<Case> cases = {
      {"--name", [](ChaosOptions& o) { o.name = ""; }},
      {"--name", [](ChaosOptions& o) { o.name = "two words"; }},
      {"--gateways", [](ChaosOptions& o) { o.gateways.clear(); }},
      {"--gateways", [](ChaosOptions& o) { o.gateways.push_back("nohost"); }},
      {"--gateways", [](ChaosOptions& o) { o.gateways.push_back("host:0"); }},
      {"--gateways", [](ChaosOptions& o) { o.gateways.push_back("host:http"); }},
      {"--api_key", [](ChaosOptions& o) { o.api_key = ""; }},
      {"--pg_dsn", [](ChaosOptions& o) { o.pg_dsn = ""; }},
      {"--kafka_bootstrap", [](ChaosOptions& o) { o.kafka_bootstrap = ""; }},
      {"--sessions", [](ChaosOptions& o) { o.sessions = 0; }},
      {"--duration", [](ChaosOptions& o) { o.duration = absl::ZeroDuration(); }},
      {"--payload_interval", [](ChaosOptions& o) { o.payload_interval = absl::Seconds(-1); }},
      {"--payloads_per_session", [](ChaosOptions& o) { o.payloads_per_session = 0; }},
      {"--min_payload_bytes", [](ChaosOptions& o) { o.min_payload_bytes = 100; }},
      {"--max_payload_bytes", [](ChaosOptions& o) { o.max_payload_bytes = 5000; }},
      {"--stream_every", [](ChaosOptions& o) { o.stream_every = -1; }},
      {"--stream_bytes", [](ChaosOptions& o) { o.stream_every = 2; o.stream_bytes = 10; }},
      {"--stream_bytes",
       [](ChaosOptions& o) {
         o.stream_every = 2;
         o.stream_bytes = o.max_payload_bytes;
       }},
      {"--call_timeout", [](ChaosOptions& o) { o.call_timeout = absl::ZeroDuration(); }},
      {"--give_up_after", [](ChaosOptions& o) { o.give_up_after = absl::ZeroDuration(); }},
      {"--marks_file", [](ChaosOptions& o) { o.marks_file = ""; }},
      {"--drain_timeout", [](ChaosOptions& o) { o.drain_timeout = absl::Seconds(-1); }},
      {"--lag_floor", [](ChaosOptions& o) { o.lag_floor = -1; }},
  };
  for (const Case& c : cases) {
    ChaosOptions options = Valid();
    c.spoil(options);
    const absl::Status status = ValidateOptions(options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.flag;
    EXPECT_NE(status.message().find(c.flag), absl::string_view::npos)
        << c.flag << ": " << status.message();
    EXPECT_EQ(status.message().find('\n'), absl::string_view::npos) << "one line";
  }
}

TEST(ValidateOptionsTest, StreamBytesMatterOnlyWhenStreaming) {
  ChaosOptions options = Valid();
  options.stream_every = 0;
  options.stream_bytes = 0;
  EXPECT_TRUE(ValidateOptions(options).ok());
}

TEST(ClientOptionsForTest, MapsTheFlagsOntoTheSdk) {
  ChaosOptions options = Valid();
  options.call_timeout = absl::Seconds(9);
  options.give_up_after = absl::Seconds(120);
  options.max_payload_bytes = 300 * 1024;
  const client::ClientOptions sdk = ClientOptionsFor(options);
  EXPECT_EQ(sdk.targets, options.gateways);
  EXPECT_EQ(sdk.api_key, "key");
  EXPECT_EQ(sdk.call_deadline, absl::Seconds(9));
  EXPECT_EQ(sdk.stream_deadline, absl::Seconds(9));
  EXPECT_EQ(sdk.retry.max_attempts, 0);
  EXPECT_EQ(sdk.retry.max_elapsed, absl::Seconds(120));
  EXPECT_EQ(sdk.retry.initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(sdk.retry.max_backoff, absl::Seconds(2));
  EXPECT_EQ(sdk.stream_threshold_bytes, 300 * 1024);
  EXPECT_TRUE(client::ValidateClientOptions(sdk).ok());
}

}  // namespace
}  // namespace ingest::chaos
