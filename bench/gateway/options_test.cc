#include "bench/gateway/options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

using ::testing::HasSubstr;

BenchOptions Valid() {
  BenchOptions options;
  options.gateway_address = "127.0.0.1:1";
  options.api_key = "sk_test";
  options.kafka_bootstrap = "127.0.0.1:2";
  return options;
}

TEST(OptionsTest, DefaultsWithEndpointsAreValid) { EXPECT_TRUE(ValidateOptions(Valid()).ok()); }

TEST(OptionsTest, EndpointsAreRequired) {
  BenchOptions options = Valid();
  options.api_key.clear();
  EXPECT_THAT(std::string(ValidateOptions(options).message()), HasSubstr("--api_key"));
  options = Valid();
  options.gateway_address.clear();
  EXPECT_THAT(std::string(ValidateOptions(options).message()), HasSubstr("--gateway"));
}

TEST(OptionsTest, TheGatewayMetricsUrlIsOptionalButMustBeReachable) {
  BenchOptions options = Valid();
  options.gateway_metrics_url = "http://127.0.0.1:9464/metrics";
  EXPECT_TRUE(ValidateOptions(options).ok());
  options.gateway_metrics_url = "localhost:9464";
  EXPECT_THAT(std::string(ValidateOptions(options).message()),
              HasSubstr("--gateway_metrics_url: not an http://IPV4:PORT/PATH URL"));
}

TEST(OptionsTest, RejectsSizesBeyondTheUnaryLimit) {
  BenchOptions options = Valid();
  options.sizes = {16 << 20};
  EXPECT_THAT(std::string(ValidateOptions(options).message()), HasSubstr("outside [1KB, 8MB]"));
  options.sizes = {512};
  EXPECT_FALSE(ValidateOptions(options).ok());
}

TEST(OptionsTest, TheStreamIsLargerThanEveryUnarySize) {
  BenchOptions options = Valid();
  options.sizes = {10 * 1024, 1 << 20};
  EXPECT_EQ(StreamThresholdBytes(options), 1 << 20);
  options.stream_bytes = 1 << 20;
  EXPECT_THAT(std::string(ValidateOptions(options).message()), HasSubstr("--stream_bytes"));
  options.stream_bytes = 0;  // no memory phase
  EXPECT_TRUE(ValidateOptions(options).ok());
}

TEST(OptionsTest, RejectsNonPositiveWindows) {
  BenchOptions options = Valid();
  options.window = absl::ZeroDuration();
  EXPECT_FALSE(ValidateOptions(options).ok());
}

TEST(OptionsTest, QuickIsShortAndStillValid) {
  BenchOptions options = Valid();
  ApplyQuick(options);
  EXPECT_TRUE(options.quick);
  EXPECT_TRUE(ValidateOptions(options).ok());
  EXPECT_LE(PlannedPhaseTime(options), absl::Seconds(30));
  EXPECT_EQ(options.stream_bytes, 16 << 20);
  EXPECT_EQ(options.runs, 1);
}

TEST(OptionsTest, RunsMustBePositive) {
  BenchOptions options = Valid();
  options.runs = 0;
  EXPECT_THAT(std::string(ValidateOptions(options).message()), HasSubstr("--runs"));
}

TEST(OptionsTest, DefaultPhasesFitTheTimeBudget) {
  // Three runs of both throughput phases and two latency phases per size,
  // three sizes: about 5 minutes, within the 12-minute deadline.
  EXPECT_EQ(PlannedPhaseTime(Valid()), absl::Seconds(3 * (3 * 2 * 13 + 2 * 12)));
}

TEST(LanesTest, AutoLanesScaleWithSize) {
  const BenchOptions options = Valid();
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
  BenchOptions options = Valid();
  options.raw_lanes = 10;
  options.gateway_lanes = 20;
  options.sizes = {1 << 20};
  EXPECT_EQ(RawLanesFor(options, 1 << 20), 10);
  EXPECT_EQ(GatewayLanesFor(options, 1 << 20), 20);
  EXPECT_EQ(SessionsNeeded(options), 20);
}

}  // namespace
}  // namespace ingest::bench
