#include "tools/chaos/options.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

using ::testing::internal::CaptureStderr;
using ::testing::internal::CaptureStdout;
using ::testing::internal::GetCapturedStderr;
using ::testing::internal::GetCapturedStdout;

std::optional<int> Parse(std::vector<std::string> args, ChaosOptions& options) {
  args.insert(args.begin(), "chaos_load");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return ParseChaosOptions(static_cast<int>(argv.size()), argv.data(), options);
}

std::vector<std::string> Required() {
  return {
      "--name=kafka-down",      "--gateways=127.0.0.1:1,127.0.0.1:2", "--api_key=k",
      "--pg_dsn=dbname=ingest", "--kafka_bootstrap=127.0.0.1:9092",   "--marks_file=/tmp/marks"};
}

TEST(ParseChaosOptionsTest, BindsEveryFlagToItsField) {
  std::vector<std::string> args = Required();
  for (const char* arg :
       {"--project=p", "--topic=t", "--sessions=3", "--duration=30s", "--payload_interval=50ms",
        "--payloads_per_session=7", "--min_payload_bytes=2048", "--max_payload_bytes=4096",
        "--stream_every=5", "--stream_bytes=100000", "--call_timeout=3s", "--give_up_after=1m",
        "--seed=9", "--drain_timeout=2m", "--lag_floor=7", "--expect_gateway_unaffected",
        "--noexpect_no_ok_during_fault", "--timeline_out=/tmp/t", "--ledger_out=/tmp/l"}) {
    args.push_back(arg);
  }
  ChaosOptions options;
  ASSERT_EQ(Parse(args, options), std::nullopt);
  EXPECT_EQ(options.name, "kafka-down");
  EXPECT_EQ(options.gateways, (std::vector<std::string>{"127.0.0.1:1", "127.0.0.1:2"}));
  EXPECT_EQ(options.api_key, "k");
  EXPECT_EQ(options.project_id, "p");
  EXPECT_EQ(options.pg_dsn, "dbname=ingest");
  EXPECT_EQ(options.kafka_bootstrap, "127.0.0.1:9092");
  EXPECT_EQ(options.topic, "t");
  EXPECT_EQ(options.sessions, 3);
  EXPECT_EQ(options.duration, absl::Seconds(30));
  EXPECT_EQ(options.payload_interval, absl::Milliseconds(50));
  EXPECT_EQ(options.payloads_per_session, 7);
  EXPECT_EQ(options.min_payload_bytes, 2048);
  EXPECT_EQ(options.max_payload_bytes, 4096);
  EXPECT_EQ(options.stream_every, 5);
  EXPECT_EQ(options.stream_bytes, 100000);
  EXPECT_EQ(options.call_timeout, absl::Seconds(3));
  EXPECT_EQ(options.give_up_after, absl::Minutes(1));
  EXPECT_EQ(options.seed, 9u);
  EXPECT_EQ(options.marks_file, "/tmp/marks");
  EXPECT_EQ(options.drain_timeout, absl::Minutes(2));
  EXPECT_EQ(options.lag_floor, 7);
  EXPECT_TRUE(options.expect_gateway_unaffected);
  EXPECT_FALSE(options.expect_no_ok_during_fault);
  EXPECT_EQ(options.timeline_out, "/tmp/t");
  EXPECT_EQ(options.ledger_out, "/tmp/l");
}

TEST(ParseChaosOptionsTest, UnsetFlagsKeepTheStructsDefaults) {
  ChaosOptions options;
  ASSERT_EQ(Parse(Required(), options), std::nullopt);
  const ChaosOptions defaults;
  EXPECT_EQ(options.project_id, "demo-project");
  EXPECT_EQ(options.topic, defaults.topic);
  EXPECT_EQ(options.sessions, 12);
  EXPECT_EQ(options.duration, absl::Seconds(90));
  EXPECT_EQ(options.payload_interval, defaults.payload_interval);
  EXPECT_EQ(options.min_payload_bytes, defaults.min_payload_bytes);
  EXPECT_EQ(options.max_payload_bytes, defaults.max_payload_bytes);
  EXPECT_EQ(options.stream_every, 0);
  EXPECT_EQ(options.give_up_after, defaults.give_up_after);
  EXPECT_EQ(options.drain_timeout, defaults.drain_timeout);
  EXPECT_EQ(options.lag_floor, 50);
  EXPECT_FALSE(options.expect_gateway_unaffected);
  EXPECT_EQ(options.timeline_out, "");
}

TEST(ParseChaosOptionsTest, HelpListsEveryFlagWithItsDefaultAndExitsZero) {
  ChaosOptions options;
  CaptureStdout();
  EXPECT_EQ(Parse({"--help"}, options), 0);
  const std::string help = GetCapturedStdout();
  for (const char* flag : {"--name",
                           "--gateways",
                           "--api_key",
                           "--tls_ca_file",
                           "--tls_cert_file",
                           "--tls_key_file",
                           "--project",
                           "--pg_dsn",
                           "--kafka_bootstrap",
                           "--topic",
                           "--sessions",
                           "--duration",
                           "--payload_interval",
                           "--payloads_per_session",
                           "--min_payload_bytes",
                           "--max_payload_bytes",
                           "--stream_every",
                           "--stream_bytes",
                           "--call_timeout",
                           "--give_up_after",
                           "--seed",
                           "--marks_file",
                           "--drain_timeout",
                           "--lag_floor",
                           "--expect_gateway_unaffected",
                           "--expect_no_ok_during_fault",
                           "--timeline_out",
                           "--ledger_out"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
  for (const char* shown : {"=demo-project", "=12", "=1m30s", "=100ms", "=10240", "=4m"}) {
    EXPECT_NE(help.find(shown), std::string::npos) << shown << " in\n" << help;
  }
}

TEST(ParseChaosOptionsTest, TheApiKeyDefaultsToTheEnvironment) {
  ASSERT_EQ(setenv("INGEST_API_KEY", "from-env", 1), 0);
  std::vector<std::string> args = Required();
  args.erase(args.begin() + 2);  // --api_key
  ChaosOptions options;
  EXPECT_EQ(Parse(args, options), std::nullopt);
  EXPECT_EQ(options.api_key, "from-env");
  unsetenv("INGEST_API_KEY");
}

TEST(ParseChaosOptionsTest, UsageErrorsExitTwoNamingTheFlag) {
  unsetenv("INGEST_API_KEY");
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      // The command line itself.
      {{"--no_such_flag=1"}, "--no_such_flag"},
      {{"--duration=soon"}, "--duration"},
      {{"--sessions=many"}, "--sessions"},
      {{"stray"}, "stray"},
      {{"--payload_interval=-1s"}, "--payload_interval"},
      {{"--seed=-1"}, "--seed"},
      // Values the types allow but a run cannot use.
      {{"--name="}, "--name"},
      {{"--name=two words"}, "--name"},
      {{"--gateways=nohost"}, "--gateways"},
      {{"--gateways=host:0"}, "--gateways"},
      {{"--gateways=host:http"}, "--gateways"},
      {{"--api_key="}, "--api_key"},
      {{"--project="}, "--project"},
      {{"--pg_dsn="}, "--pg_dsn"},
      {{"--kafka_bootstrap="}, "--kafka_bootstrap"},
      {{"--sessions=0"}, "--sessions"},
      {{"--duration=0s"}, "--duration"},
      {{"--payloads_per_session=0"}, "--payloads_per_session"},
      {{"--min_payload_bytes=-5"}, "--min_payload_bytes"},
      {{"--min_payload_bytes=100"}, "--min_payload_bytes"},
      {{"--max_payload_bytes=5000"}, "--max_payload_bytes"},
      {{"--stream_every=-1"}, "--stream_every"},
      {{"--stream_every=2", "--stream_bytes=10"}, "--stream_bytes"},
      {{"--stream_every=2", "--stream_bytes=204800"}, "--stream_bytes"},
      {{"--call_timeout=0s"}, "--call_timeout"},
      {{"--give_up_after=0s"}, "--give_up_after"},
      {{"--marks_file="}, "--marks_file"},
      {{"--lag_floor=-1"}, "--lag_floor"},
  };
  for (const auto& [extra, named] : bad) {
    std::vector<std::string> args = Required();
    args.insert(args.end(), extra.begin(), extra.end());
    ChaosOptions options;
    CaptureStderr();
    EXPECT_EQ(Parse(args, options), 2) << named;
    const std::string error = GetCapturedStderr();
    EXPECT_NE(error.find(named), std::string::npos) << named << ": " << error;
  }
}

TEST(ParseChaosOptionsTest, StreamBytesMatterOnlyWhenStreaming) {
  std::vector<std::string> args = Required();
  args.push_back("--stream_bytes=0");
  ChaosOptions options;
  EXPECT_EQ(Parse(args, options), std::nullopt);
}

TEST(ClientOptionsForTest, MapsTheFlagsOntoTheSdk) {
  ChaosOptions options;
  ASSERT_EQ(Parse(Required(), options), std::nullopt);
  options.call_timeout = absl::Seconds(9);
  options.give_up_after = absl::Seconds(120);
  options.max_payload_bytes = 300 * 1024;
  const client::ClientOptions sdk = ClientOptionsFor(options);
  EXPECT_EQ(sdk.targets, options.gateways);
  EXPECT_EQ(sdk.api_key, "k");
  EXPECT_EQ(sdk.call_deadline, absl::Seconds(9));
  EXPECT_EQ(sdk.stream_deadline, absl::Seconds(9));
  EXPECT_EQ(sdk.retry.max_attempts, 0);
  EXPECT_EQ(sdk.retry.max_elapsed, absl::Seconds(120));
  EXPECT_EQ(sdk.retry.initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(sdk.retry.max_backoff, absl::Seconds(2));
  EXPECT_EQ(sdk.stream_threshold_bytes, 300 * 1024);
  EXPECT_EQ(sdk.tls.ca_file, "") << "plaintext by default";
  EXPECT_TRUE(client::ValidateClientOptions(sdk).ok());
}

TEST(ClientOptionsForTest, TheTlsFlagsReachTheSdk) {
  ChaosOptions options;
  std::vector<std::string> args = Required();
  args.insert(args.end(), {"--tls_ca_file=/pki/ca.crt", "--tls_cert_file=/pki/client.crt",
                           "--tls_key_file=/pki/client.key"});
  ASSERT_EQ(Parse(args, options), std::nullopt);
  const client::ClientOptions sdk = ClientOptionsFor(options);
  EXPECT_EQ(sdk.tls.ca_file, "/pki/ca.crt");
  EXPECT_EQ(sdk.tls.cert_file, "/pki/client.crt");
  EXPECT_EQ(sdk.tls.key_file, "/pki/client.key");
  EXPECT_TRUE(client::ValidateClientOptions(sdk).ok());

  args = Required();
  args.insert(args.end(), {"--tls_ca_file=/pki/ca.crt", "--tls_cert_file=/pki/client.crt"});
  CaptureStderr();
  EXPECT_EQ(Parse(args, options), 2);
  const std::string error = GetCapturedStderr();
  EXPECT_NE(error.find("--tls_cert_file requires --tls_key_file"), std::string::npos) << error;
}

}  // namespace
}  // namespace ingest::chaos
