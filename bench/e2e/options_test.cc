#include "bench/e2e/options.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A parse: its exit status (nullopt: run), the options and what it said on
// stderr.
struct Parsed {
  std::optional<int> exit;
  E2eOptions options;
  std::string error;
};

Parsed Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "bench_e2e");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  Parsed parsed;
  testing::internal::CaptureStderr();
  parsed.exit = ParseOptions(static_cast<int>(argv.size()), argv.data(), parsed.options);
  parsed.error = testing::internal::GetCapturedStderr();
  return parsed;
}

// A complete command line of `mode` without the flags named in `dropped`,
// then `extra` flags, then the worker.
Parsed ParseValid(const std::string& mode, std::vector<std::string> extra = {},
                  const std::vector<std::string>& dropped = {}) {
  std::vector<std::string> args = {"--mode=" + mode};
  for (const std::string flag : {"--gateway=127.0.0.1:1", "--api_key=key",
                                 "--kafka_bootstrap=127.0.0.1:2", "--pg_dsn=host=127.0.0.1",
                                 "--gateway_max_msgs_per_s=1000", "--worker_max_msgs_per_s=800"}) {
    if (std::find(dropped.begin(), dropped.end(), flag.substr(0, flag.find('='))) ==
        dropped.end()) {
      args.push_back(flag);
    }
  }
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), {"--", "/bin/worker", "--group_id=bench"});
  return Parse(std::move(args));
}

// The usage error of a command line, which must exit 2.
std::string UsageError(const std::string& mode, std::vector<std::string> extra,
                       const std::vector<std::string>& dropped = {}) {
  const Parsed parsed = ParseValid(mode, std::move(extra), dropped);
  EXPECT_EQ(parsed.exit, 2);
  return parsed.error;
}

TEST(ParseOptionsTest, DefaultsOfE2e) {
  const Parsed parsed = ParseValid("e2e");
  ASSERT_EQ(parsed.exit, std::nullopt) << parsed.error;
  const E2eOptions& o = parsed.options;
  EXPECT_EQ(o.mode, Mode::kE2e);
  EXPECT_EQ(o.gateway_address, "127.0.0.1:1");
  EXPECT_EQ(o.project_id, "demo-project");
  EXPECT_EQ(o.topic, "ingest.tasks");
  EXPECT_EQ(o.channels, 4);
  EXPECT_EQ(o.size_bytes, 100 * 1024);
  EXPECT_EQ(o.lanes, 256);
  EXPECT_EQ(o.pool_bytes, int64_t{32} << 20);
  EXPECT_EQ(o.window, absl::Seconds(60));
  EXPECT_EQ(o.warmup, absl::Seconds(10));
  EXPECT_EQ(o.max_steps, 10);
  EXPECT_EQ(o.settle_timeout, absl::Seconds(120));
  EXPECT_EQ(o.session_timeout, absl::Seconds(10));
  EXPECT_EQ(o.takeover_timeout, absl::Seconds(70));
  EXPECT_EQ(o.drain_timeout, absl::Seconds(300));
  EXPECT_EQ(o.big_stream_bytes, int64_t{100} << 20);
  EXPECT_EQ(o.heartbeat_interval, absl::Seconds(1));
  EXPECT_THAT(o.worker_command, ElementsAre("/bin/worker", "--group_id=bench"));
}

TEST(ParseOptionsTest, SizesHasShorterWindows) {
  const Parsed parsed = ParseValid("sizes");
  ASSERT_EQ(parsed.exit, std::nullopt) << parsed.error;
  EXPECT_EQ(parsed.options.mode, Mode::kSizes);
  EXPECT_EQ(parsed.options.window, absl::Seconds(10));
  EXPECT_EQ(parsed.options.warmup, absl::Seconds(3));
  EXPECT_THAT(parsed.options.sizes, ElementsAre(10 << 20));
}

TEST(ParseOptionsTest, EveryKindOfFlagIsBoundToItsField) {
  const Parsed parsed =
      ParseValid("failover", {"--size=1MB", "--pool_bytes=8MB", "--lanes=16", "--rate=45.5",
                              "--session_timeout=8s", "--heartbeat_interval=500ms",
                              "--gateway_pid=7", "--project=p", "--topic", "t", "--lanes=32"});
  ASSERT_EQ(parsed.exit, std::nullopt) << parsed.error;
  const E2eOptions& o = parsed.options;
  EXPECT_EQ(o.mode, Mode::kFailover);
  EXPECT_EQ(o.size_bytes, 1 << 20);
  EXPECT_EQ(o.pool_bytes, 8 << 20);
  EXPECT_EQ(o.lanes, 32);  // the last one given wins
  EXPECT_EQ(o.rate_per_s, 45.5);
  EXPECT_EQ(o.session_timeout, absl::Seconds(8));
  EXPECT_EQ(o.heartbeat_interval, absl::Milliseconds(500));
  EXPECT_EQ(o.takeover_timeout, absl::Seconds(62));  // from the session timeout
  EXPECT_EQ(o.gateway_pid, 7);
  EXPECT_EQ(o.project_id, "p");
  EXPECT_EQ(o.topic, "t");

  const Parsed sizes =
      ParseValid("sizes", {"--sizes=10KB,1MB", "--stream_chunk=64KB", "--big_stream_bytes=32MB"});
  ASSERT_EQ(sizes.exit, std::nullopt) << sizes.error;
  EXPECT_THAT(sizes.options.sizes, ElementsAre(10 << 10, 1 << 20));
  EXPECT_EQ(sizes.options.stream_chunk_bytes, 64 << 10);
  EXPECT_EQ(sizes.options.big_stream_bytes, 32 << 20);
}

TEST(ParseOptionsTest, QuickShortensOnlyWhatWasNotGiven) {
  const Parsed quick = ParseValid("e2e", {"--quick", "--window=20s"});
  ASSERT_EQ(quick.exit, std::nullopt) << quick.error;
  EXPECT_EQ(quick.options.window, absl::Seconds(20));
  EXPECT_EQ(quick.options.warmup, absl::Seconds(3));
  EXPECT_EQ(quick.options.max_steps, 2);
  EXPECT_EQ(quick.options.settle_timeout, absl::Seconds(30));
  EXPECT_EQ(quick.options.session_timeout, absl::Seconds(6));
  EXPECT_EQ(quick.options.pool_bytes, int64_t{4} << 20);
  EXPECT_EQ(quick.options.big_stream_bytes, int64_t{16} << 20);

  const Parsed sizes = Parse({"--mode=sizes", "--gateway=127.0.0.1:1", "--api_key=key", "--quick",
                              "--big_stream_bytes=0"});
  ASSERT_EQ(sizes.exit, std::nullopt) << sizes.error;
  EXPECT_EQ(sizes.options.window, absl::Milliseconds(1500));
  EXPECT_EQ(sizes.options.warmup, absl::Milliseconds(500));
  EXPECT_EQ(sizes.options.big_stream_bytes, 0);  // skipped stays skipped
  EXPECT_FALSE(NeedsWorkers(sizes.options));
}

TEST(ParseOptionsTest, ApiKeyFromTheEnvironment) {
  setenv("INGEST_API_KEY", "from-env", 1);
  const Parsed parsed = Parse({"--mode=sizes", "--gateway=127.0.0.1:1", "--big_stream_bytes=0"});
  unsetenv("INGEST_API_KEY");
  ASSERT_EQ(parsed.exit, std::nullopt) << parsed.error;
  EXPECT_EQ(parsed.options.api_key, "from-env");
}

TEST(ParseOptionsTest, TlsFlagsGoToTheSdksTlsFiles) {
  EXPECT_EQ(ParseValid("e2e").options.tls.ca_file, "") << "plaintext by default";
  const Parsed parsed = ParseValid(
      "e2e",
      {"--tls_ca_file=/pki/ca.crt", "--tls_cert_file=/pki/c.crt", "--tls_key_file=/pki/c.key"});
  ASSERT_EQ(parsed.exit, std::nullopt) << parsed.error;
  EXPECT_EQ(parsed.options.tls.ca_file, "/pki/ca.crt");
  EXPECT_EQ(parsed.options.tls.cert_file, "/pki/c.crt");
  EXPECT_EQ(parsed.options.tls.key_file, "/pki/c.key");
  EXPECT_THAT(UsageError("e2e", {"--tls_key_file=/pki/c.key", "--tls_ca_file=/pki/ca.crt"}),
              HasSubstr("--tls_key_file requires --tls_cert_file"));
}

TEST(ParseOptionsTest, UsageErrorsExitTwoNamingTheFlag) {
  EXPECT_THAT(UsageError("e2e", {"--no_such_flag=1"}), HasSubstr("--no_such_flag"));
  EXPECT_THAT(UsageError("e2e", {"--window=soon"}), HasSubstr("--window"));
  EXPECT_THAT(UsageError("e2e", {"--size=big"}), HasSubstr("--size"));
  EXPECT_THAT(UsageError("e2e", {"--lanes=many"}), HasSubstr("--lanes"));
  EXPECT_THAT(UsageError("bogus", {}), HasSubstr("--mode"));
  EXPECT_THAT(Parse({"--gateway=127.0.0.1:1"}).error, HasSubstr("--mode"));
  EXPECT_EQ(Parse({"--gateway=127.0.0.1:1"}).exit, 2);
}

TEST(ParseOptionsTest, ValidationNamesTheMissingFlag) {
  EXPECT_THAT(UsageError("e2e", {}, {"--gateway"}), HasSubstr("--gateway"));
  EXPECT_THAT(UsageError("e2e", {}, {"--api_key"}), HasSubstr("--api_key"));
  EXPECT_THAT(UsageError("failover", {}, {"--pg_dsn"}), HasSubstr("--pg_dsn"));
  const Parsed no_worker = Parse({"--mode=e2e", "--gateway=127.0.0.1:1", "--api_key=key",
                                  "--kafka_bootstrap=127.0.0.1:2", "--pg_dsn=host=127.0.0.1",
                                  "--gateway_max_msgs_per_s=1000", "--worker_max_msgs_per_s=800"});
  EXPECT_EQ(no_worker.exit, 2);
  EXPECT_THAT(no_worker.error, HasSubstr("after `--`"));
}

TEST(ParseOptionsTest, E2eNeedsBothMaximums) {
  EXPECT_THAT(UsageError("e2e", {}, {"--gateway_max_msgs_per_s"}),
              HasSubstr("--gateway_max_msgs_per_s"));
  EXPECT_THAT(UsageError("e2e", {"--worker_max_msgs_per_s=-1"}),
              HasSubstr("--worker_max_msgs_per_s"));
  EXPECT_THAT(UsageError("e2e", {"--workers=0"}), HasSubstr("--workers"));
  // failover does not need them.
  EXPECT_EQ(ParseValid("failover", {"--gateway_max_msgs_per_s=0"}).exit, std::nullopt);
}

TEST(ParseOptionsTest, UnaryPayloadsStayUnderTheGatewaysCap) {
  EXPECT_THAT(UsageError("e2e", {"--size=10MB"}), HasSubstr("--size"));
  EXPECT_THAT(UsageError("e2e", {"--size=100B"}), HasSubstr("--size"));
}

TEST(ParseOptionsTest, FailoverChecksItsTimeouts) {
  EXPECT_THAT(UsageError("failover", {"--session_timeout=5s", "--heartbeat_interval=5s"}),
              HasSubstr("--heartbeat_interval"));
  EXPECT_THAT(UsageError("failover", {"--rate=0"}), HasSubstr("--rate"));
  EXPECT_THAT(UsageError("failover", {"--session_timeout=10s", "--takeover_timeout=10s"}),
              HasSubstr("--takeover_timeout"));
}

TEST(ParseOptionsTest, SizesWithoutABigStreamStartsNoWorker) {
  EXPECT_THAT(UsageError("sizes", {"--big_stream_bytes=0"}), HasSubstr("starts no worker"));
  const std::vector<std::string> no_worker = {"--mode=sizes", "--gateway=127.0.0.1:1",
                                              "--api_key=key", "--big_stream_bytes=0"};
  std::vector<std::string> tiny = no_worker;
  tiny.push_back("--sizes=100B");
  EXPECT_EQ(Parse(tiny).exit, 2);
  EXPECT_THAT(Parse(tiny).error, HasSubstr("--sizes"));
  EXPECT_EQ(Parse(no_worker).exit, std::nullopt) << Parse(no_worker).error;
}

TEST(ParseOptionsTest, HelpListsEveryFlagWithItsDefaultAndExitsZero) {
  E2eOptions options;
  char name[] = "bench_e2e";
  char help[] = "--help";
  char* argv[] = {name, help};
  testing::internal::CaptureStdout();
  EXPECT_EQ(ParseOptions(2, argv, options), 0);
  const std::string text = testing::internal::GetCapturedStdout();
  for (const char* flag : {"--mode", "--gateway", "--api_key", "--size", "--pool_bytes", "--window",
                           "--session_timeout", "--sizes", "--big_stream_bytes", "--stream_timeout",
                           "INGEST_API_KEY"}) {
    EXPECT_THAT(text, HasSubstr(flag));
  }
  EXPECT_THAT(text, HasSubstr("100KB"));  // --size's default
  EXPECT_THAT(text, HasSubstr("10m"));    // --stream_timeout's
}

}  // namespace
}  // namespace ingest::bench_e2e
