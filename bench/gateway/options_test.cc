#include "bench/gateway/options.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<std::string> kEndpoints = {"--gateway=127.0.0.1:1", "--api_key=sk_test",
                                             "--kafka_bootstrap=127.0.0.1:2"};

class ParseBenchOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("INGEST_API_KEY"); }

  // ParseBenchOptions over `args` (after the program name) into `options_`.
  std::optional<int> Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "gateway_bench");
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    options_ = BenchOptions();
    return ParseBenchOptions(static_cast<int>(argv.size()), argv.data(), options_);
  }

  // The endpoints and `more`.
  std::optional<int> ParseWith(const std::vector<std::string>& more) {
    std::vector<std::string> args = kEndpoints;
    args.insert(args.end(), more.begin(), more.end());
    return Parse(args);
  }

  // What a rejected command line prints on stderr; fails unless it exits 2.
  std::string UsageError(const std::vector<std::string>& more) {
    ::testing::internal::CaptureStderr();
    const std::optional<int> exit = ParseWith(more);
    const std::string error = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(exit, 2) << error;
    return error;
  }

  BenchOptions options_;
};

TEST_F(ParseBenchOptionsTest, FlagsSetTheirFieldsAndTheRestKeepsItsDefaults) {
  ASSERT_EQ(
      ParseWith({"--project=p1", "--topic=t1", "--gateway_pid=12", "--kafka_pid=34",
                 "--sizes=10KB,1MB", "--window=2s", "--latency_warmup=150ms", "--gateway_lanes=20",
                 "--pool_bytes=8MB", "--stream_chunk=512KB", "--results_jsonl=/tmp/x.jsonl"}),
      std::nullopt);
  EXPECT_EQ(options_.gateway_address, "127.0.0.1:1");
  EXPECT_EQ(options_.api_key, "sk_test");
  EXPECT_EQ(options_.kafka_bootstrap, "127.0.0.1:2");
  EXPECT_EQ(options_.project_id, "p1");
  EXPECT_EQ(options_.topic, "t1");
  EXPECT_EQ(options_.gateway_pid, 12);
  EXPECT_EQ(options_.kafka_pid, 34);
  EXPECT_THAT(options_.sizes, ElementsAre(10 * 1024, 1 << 20));
  EXPECT_EQ(options_.window, absl::Seconds(2));
  EXPECT_EQ(options_.latency_warmup, absl::Milliseconds(150));
  EXPECT_EQ(options_.gateway_lanes, 20);
  EXPECT_EQ(options_.pool_bytes, 8 << 20);
  EXPECT_EQ(options_.stream_chunk_bytes, 512 << 10);
  EXPECT_EQ(options_.results_jsonl, "/tmp/x.jsonl");
  EXPECT_EQ(options_.warmup, absl::Seconds(3));
  EXPECT_EQ(options_.runs, 3);
  EXPECT_EQ(options_.stream_bytes, 256 << 20);
  EXPECT_FALSE(options_.quick);
}

TEST_F(ParseBenchOptionsTest, TlsFlagsGoToTheSdksTlsFiles) {
  ASSERT_EQ(ParseWith({}), std::nullopt);
  EXPECT_EQ(options_.tls.ca_file, "") << "plaintext by default";
  ASSERT_EQ(ParseWith({"--tls_ca_file=/pki/ca.crt", "--tls_cert_file=/pki/client.crt",
                       "--tls_key_file=/pki/client.key"}),
            std::nullopt);
  EXPECT_EQ(options_.tls.ca_file, "/pki/ca.crt");
  EXPECT_EQ(options_.tls.cert_file, "/pki/client.crt");
  EXPECT_EQ(options_.tls.key_file, "/pki/client.key");
  EXPECT_THAT(UsageError({"--tls_ca_file=/pki/ca.crt", "--tls_cert_file=/pki/client.crt"}),
              HasSubstr("--tls_cert_file requires --tls_key_file"));
}

TEST_F(ParseBenchOptionsTest, TheApiKeyMayComeFromTheEnvironment) {
  setenv("INGEST_API_KEY", "sk_env", 1);
  ASSERT_EQ(Parse({"--gateway=127.0.0.1:1", "--kafka_bootstrap=127.0.0.1:2"}), std::nullopt);
  EXPECT_EQ(options_.api_key, "sk_env");
  ASSERT_EQ(ParseWith({}), std::nullopt);
  EXPECT_EQ(options_.api_key, "sk_test");  // the flag wins
}

TEST_F(ParseBenchOptionsTest, EndpointsAreRequired) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(Parse({"--gateway=127.0.0.1:1", "--kafka_bootstrap=127.0.0.1:2"}), 2);
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), HasSubstr("--api_key"));
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(Parse({"--api_key=k", "--kafka_bootstrap=127.0.0.1:2"}), 2);
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), HasSubstr("--gateway is required"));
}

TEST_F(ParseBenchOptionsTest, UnknownFlagsAndBadValuesAreUsageErrors) {
  UsageError({"--no_such_flag=1"});
  UsageError({"positional"});
  UsageError({"--channels=many"});
  EXPECT_THAT(UsageError({"--window=soon"}), HasSubstr("--window"));
  EXPECT_THAT(UsageError({"--pool_bytes=32"}), HasSubstr("needs a unit"));
  EXPECT_THAT(UsageError({"--runs=0"}), HasSubstr("--runs"));
  EXPECT_THAT(UsageError({"--window=0s"}), HasSubstr("must be positive"));
}

TEST_F(ParseBenchOptionsTest, HelpExitsZero) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(Parse({"--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(help, HasSubstr("--stream_bytes"));
  EXPECT_THAT(help, HasSubstr("10KB,100KB,1MB"));
}

TEST_F(ParseBenchOptionsTest, TheGatewayMetricsUrlIsOptionalButMustBeReachable) {
  ASSERT_EQ(ParseWith({"--gateway_metrics_url=http://127.0.0.1:9464/metrics"}), std::nullopt);
  EXPECT_EQ(options_.gateway_metrics_url, "http://127.0.0.1:9464/metrics");
  EXPECT_THAT(UsageError({"--gateway_metrics_url=localhost:9464"}),
              HasSubstr("--gateway_metrics_url: not an http://HOST:PORT/PATH URL"));
}

TEST_F(ParseBenchOptionsTest, RejectsSizesBeyondTheUnaryLimit) {
  EXPECT_THAT(UsageError({"--sizes=16MB"}), HasSubstr("outside [1KB, 8MB]"));
  UsageError({"--sizes=512B"});
}

TEST_F(ParseBenchOptionsTest, TheStreamIsLargerThanEveryUnarySize) {
  EXPECT_THAT(UsageError({"--sizes=10KB,1MB", "--stream_bytes=1MB"}), HasSubstr("--stream_bytes"));
  ASSERT_EQ(ParseWith({"--sizes=10KB,1MB", "--stream_bytes=0"}), std::nullopt);  // no memory phase
  EXPECT_EQ(options_.stream_bytes, 0);
  EXPECT_EQ(StreamThresholdBytes(options_), 1 << 20);
}

TEST_F(ParseBenchOptionsTest, QuickIsShortAndOverridesDurationsButNotAGivenRunCount) {
  ASSERT_EQ(ParseWith({"--quick", "--window=1m"}), std::nullopt);
  EXPECT_TRUE(options_.quick);
  EXPECT_LE(PlannedPhaseTime(options_), absl::Seconds(30));
  EXPECT_EQ(options_.window, absl::Milliseconds(1500));
  EXPECT_EQ(options_.stream_bytes, 16 << 20);
  EXPECT_EQ(options_.runs, 1);
  ASSERT_EQ(ParseWith({"--quick", "--runs=2"}), std::nullopt);
  EXPECT_EQ(options_.runs, 2);
}

TEST(OptionsTest, DefaultPhasesFitTheTimeBudget) {
  // Three runs of both throughput phases and two latency phases per size,
  // three sizes: about 5 minutes, within the 12-minute deadline.
  EXPECT_EQ(PlannedPhaseTime(BenchOptions()), absl::Seconds(3 * (3 * 2 * 13 + 2 * 12)));
}

TEST(LanesTest, AutoLanesScaleWithSize) {
  const BenchOptions options;
  EXPECT_EQ(RawLanesFor(options, 10 * 1024), 8192);
  EXPECT_EQ(RawLanesFor(options, 100 * 1024), 1310);
  EXPECT_EQ(RawLanesFor(options, 1 << 20), 128);
  EXPECT_EQ(RawLanesFor(options, 8 << 20), 64);
  EXPECT_EQ(GatewayLanesFor(options, 10 * 1024), 256);
  EXPECT_EQ(GatewayLanesFor(options, 100 * 1024), 256);
  EXPECT_EQ(GatewayLanesFor(options, 1 << 20), 64);
  EXPECT_EQ(GatewayLanesFor(options, 8 << 20), 32);
  EXPECT_EQ(SessionsNeeded(options), 256);
}

TEST(LanesTest, ExplicitLanesWin) {
  BenchOptions options;
  options.raw_lanes = 10;
  options.gateway_lanes = 20;
  options.sizes = {1 << 20};
  EXPECT_EQ(RawLanesFor(options, 1 << 20), 10);
  EXPECT_EQ(GatewayLanesFor(options, 1 << 20), 20);
  EXPECT_EQ(SessionsNeeded(options), 20);
}

}  // namespace
}  // namespace ingest::bench
