#include "bench/e2e/options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

using ::testing::HasSubstr;

E2eOptions Valid(Mode mode) {
  E2eOptions options;
  options.mode = mode;
  options.gateway_address = "127.0.0.1:1";
  options.api_key = "key";
  options.kafka_bootstrap = "127.0.0.1:2";
  options.pg_dsn = "host=127.0.0.1";
  options.worker_command = {"/bin/worker"};
  options.gateway_max_msgs_per_s = 1000;
  options.worker_max_msgs_per_s = 800;
  ApplyDefaults(options);
  return options;
}

std::string Problem(const E2eOptions& options) {
  return std::string(ValidateOptions(options).message());
}

TEST(ParseModeTest, KnowsTheThreeModes) {
  EXPECT_EQ(*ParseMode("e2e"), Mode::kE2e);
  EXPECT_EQ(*ParseMode("failover"), Mode::kFailover);
  EXPECT_EQ(*ParseMode("sizes"), Mode::kSizes);
  EXPECT_THAT(ParseMode("").status().message(), HasSubstr("--mode"));
  EXPECT_EQ(ModeName(Mode::kFailover), "failover");
}

TEST(ApplyDefaultsTest, FillsTheModesDefaults) {
  E2eOptions e2e;
  ApplyDefaults(e2e);
  EXPECT_EQ(e2e.window, absl::Seconds(60));
  EXPECT_EQ(e2e.warmup, absl::Seconds(10));
  EXPECT_EQ(e2e.max_steps, 10);
  EXPECT_EQ(e2e.session_timeout, absl::Seconds(10));
  EXPECT_EQ(e2e.takeover_timeout, absl::Seconds(70));
  EXPECT_EQ(e2e.big_stream_bytes, int64_t{100} << 20);
  EXPECT_EQ(e2e.pool_bytes, int64_t{32} << 20);

  E2eOptions sizes;
  sizes.mode = Mode::kSizes;
  ApplyDefaults(sizes);
  EXPECT_EQ(sizes.window, absl::Seconds(10));
  EXPECT_EQ(sizes.warmup, absl::Seconds(3));
}

TEST(ApplyDefaultsTest, QuickShortensOnlyWhatWasNotGiven) {
  E2eOptions quick;
  quick.quick = true;
  quick.window = absl::Seconds(20);
  ApplyDefaults(quick);
  EXPECT_EQ(quick.window, absl::Seconds(20));
  EXPECT_EQ(quick.warmup, absl::Seconds(3));
  EXPECT_EQ(quick.max_steps, 2);
  EXPECT_EQ(quick.session_timeout, absl::Seconds(6));
  EXPECT_EQ(quick.big_stream_bytes, int64_t{16} << 20);

  E2eOptions sizes;
  sizes.mode = Mode::kSizes;
  sizes.quick = true;
  sizes.big_stream_bytes = 0;  // skipped stays skipped
  ApplyDefaults(sizes);
  EXPECT_EQ(sizes.window, absl::Milliseconds(1500));
  EXPECT_EQ(sizes.warmup, absl::Milliseconds(500));
  EXPECT_EQ(sizes.big_stream_bytes, 0);
}

TEST(ValidateOptionsTest, AcceptsACompleteCommandLine) {
  for (const Mode mode : {Mode::kE2e, Mode::kFailover, Mode::kSizes}) {
    EXPECT_TRUE(ValidateOptions(Valid(mode)).ok()) << Problem(Valid(mode));
  }
}

TEST(ValidateOptionsTest, NamesTheMissingFlag) {
  E2eOptions options = Valid(Mode::kE2e);
  options.gateway_address.clear();
  EXPECT_THAT(Problem(options), HasSubstr("--gateway"));
  options = Valid(Mode::kE2e);
  options.api_key.clear();
  EXPECT_THAT(Problem(options), HasSubstr("--api_key"));
  options = Valid(Mode::kFailover);
  options.pg_dsn.clear();
  EXPECT_THAT(Problem(options), HasSubstr("--pg_dsn"));
  options = Valid(Mode::kE2e);
  options.worker_command.clear();
  EXPECT_THAT(Problem(options), HasSubstr("after `--`"));
}

TEST(ValidateOptionsTest, E2eNeedsBothMaximums) {
  E2eOptions options = Valid(Mode::kE2e);
  options.gateway_max_msgs_per_s = 0;
  EXPECT_THAT(Problem(options), HasSubstr("--gateway_max_msgs_per_s"));
  options = Valid(Mode::kE2e);
  options.worker_max_msgs_per_s = -1;
  EXPECT_THAT(Problem(options), HasSubstr("--worker_max_msgs_per_s"));
  options = Valid(Mode::kE2e);
  options.workers = 0;
  EXPECT_THAT(Problem(options), HasSubstr("--workers"));
  // failover does not need them.
  options = Valid(Mode::kFailover);
  options.gateway_max_msgs_per_s = 0;
  EXPECT_TRUE(ValidateOptions(options).ok());
}

TEST(ValidateOptionsTest, UnaryPayloadsStayUnderTheGatewaysCap) {
  E2eOptions options = Valid(Mode::kE2e);
  options.size_bytes = int64_t{10} << 20;
  EXPECT_THAT(Problem(options), HasSubstr("--size"));
  options.size_bytes = 100;
  EXPECT_THAT(Problem(options), HasSubstr("--size"));
}

TEST(ValidateOptionsTest, FailoverChecksItsTimeouts) {
  E2eOptions options = Valid(Mode::kFailover);
  options.heartbeat_interval = options.session_timeout;
  EXPECT_THAT(Problem(options), HasSubstr("--heartbeat_interval"));
  options = Valid(Mode::kFailover);
  options.rate_per_s = 0;
  EXPECT_THAT(Problem(options), HasSubstr("--rate"));
  options = Valid(Mode::kFailover);
  options.takeover_timeout = options.session_timeout;
  EXPECT_THAT(Problem(options), HasSubstr("--takeover_timeout"));
}

TEST(ValidateOptionsTest, SizesWithoutABigStreamStartsNoWorker) {
  E2eOptions options = Valid(Mode::kSizes);
  options.big_stream_bytes = 0;
  EXPECT_FALSE(NeedsWorkers(options));
  EXPECT_THAT(Problem(options), HasSubstr("starts no worker"));
  options.worker_command.clear();
  options.pg_dsn.clear();
  options.kafka_bootstrap.clear();
  EXPECT_TRUE(ValidateOptions(options).ok()) << Problem(options);
  options.sizes = {100};
  EXPECT_THAT(Problem(options), HasSubstr("--sizes"));
  options.sizes = {};
  EXPECT_THAT(Problem(options), HasSubstr("--sizes"));
}

}  // namespace
}  // namespace ingest::bench_e2e
