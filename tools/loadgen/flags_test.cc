#include "tools/loadgen/flags.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

constexpr char kGateway[] = "--gateway=127.0.0.1:50051";
constexpr char kPgDsn[] = "--pg_dsn=dbname=ingest";

// ParseFlags over `args` (after the program name) into `options`, with what
// it printed.
struct Parsed {
  std::optional<int> exit;
  std::string out;
  std::string err;
};
Parsed Parse(std::vector<std::string> args, LoadgenOptions& options) {
  args.insert(args.begin(), "loadgen");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  Parsed parsed{.exit = ParseFlags(static_cast<int>(argv.size()), argv.data(), options)};
  parsed.out = testing::internal::GetCapturedStdout();
  parsed.err = testing::internal::GetCapturedStderr();
  return parsed;
}

class ParseFlagsTest : public testing::Test {
 protected:
  // No API key from the test's environment.
  void SetUp() override { unsetenv("INGEST_API_KEY"); }
};

TEST_F(ParseFlagsTest, TheEndpointsAloneKeepTheStructsDefaults) {
  LoadgenOptions options;
  const Parsed parsed = Parse({kGateway, kPgDsn}, options);
  ASSERT_EQ(parsed.exit, std::nullopt) << parsed.err;
  LoadgenOptions expected;
  expected.gateway = "127.0.0.1:50051";
  expected.pg_dsn = "dbname=ingest";
  EXPECT_TRUE(options == expected);
}

TEST_F(ParseFlagsTest, BindsEveryFlagToItsField) {
  LoadgenOptions options;
  const Parsed parsed = Parse(
      {kGateway, "--pg_dsn", "dbname=other", "--api_key=sk_flag", "--project=p2", "--sessions=3",
       "--payloads=4", "--min_payload_bytes=2048", "--max_payload_bytes=4096", "--seed=9",
       "--concurrency", "2", "--call_timeout=5s", "--max_attempts=3", "--verify_timeout=1m",
       "--completion_timeout=90s", "--label=ci", "--ledger_out=/tmp/ledger.tsv", "--sessions=5"},
      options);
  ASSERT_EQ(parsed.exit, std::nullopt) << parsed.err;
  EXPECT_EQ(options.pg_dsn, "dbname=other");
  EXPECT_EQ(options.api_key, "sk_flag");
  EXPECT_EQ(options.project_id, "p2");
  EXPECT_EQ(options.sessions, 5);  // the last of two
  EXPECT_EQ(options.payloads_per_session, 4);
  EXPECT_EQ(options.min_payload_bytes, 2048u);
  EXPECT_EQ(options.max_payload_bytes, 4096u);
  EXPECT_EQ(options.seed, 9u);
  EXPECT_EQ(options.concurrency, 2);
  EXPECT_EQ(options.call_timeout, absl::Seconds(5));
  EXPECT_EQ(options.max_attempts, 3);
  EXPECT_EQ(options.verify_timeout, absl::Minutes(1));
  EXPECT_EQ(options.completion_timeout, absl::Seconds(90));
  EXPECT_EQ(options.label, "ci");
  EXPECT_EQ(options.ledger_out, "/tmp/ledger.tsv");
}

TEST_F(ParseFlagsTest, TheApiKeyComesFromTheEnvironmentUnlessAFlagGivesIt) {
  setenv("INGEST_API_KEY", "sk_env", 1);
  LoadgenOptions from_env;
  ASSERT_EQ(Parse({kGateway, kPgDsn}, from_env).exit, std::nullopt);
  EXPECT_EQ(from_env.api_key, "sk_env");
  LoadgenOptions from_flag;
  ASSERT_EQ(Parse({kGateway, kPgDsn, "--api_key=sk_flag"}, from_flag).exit, std::nullopt);
  EXPECT_EQ(from_flag.api_key, "sk_flag");
}

TEST_F(ParseFlagsTest, EachUsageErrorExitsTwoNamingTheFlag) {
  // (what the error names, the arguments after the endpoints)
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"--no_such_flag", {"--no_such_flag=1"}},
      {"stray", {"stray"}},
      {"--sessions", {"--sessions=0"}},
      {"--sessions", {"--sessions=many"}},
      {"--sessions", {"--sessions=100001"}},
      {"--payloads", {"--payloads=-1"}},
      {"--min_payload_bytes", {"--min_payload_bytes=10"}},
      {"--min_payload_bytes", {"--min_payload_bytes=-5"}},
      {"--max_payload_bytes", {"--max_payload_bytes=999999999999"}},
      {"--max_payload_bytes", {"--min_payload_bytes=4096", "--max_payload_bytes=2048"}},
      {"--seed", {"--seed=-1"}},
      {"--concurrency", {"--concurrency=-1"}},
      {"--call_timeout", {"--call_timeout=soon"}},
      {"--call_timeout", {"--call_timeout=0s"}},
      {"--max_attempts", {"--max_attempts=0"}},
      {"--verify_timeout", {"--verify_timeout=-1s"}},
      {"--completion_timeout", {"--completion_timeout=-1s"}},
      {"--label", {"--label=two words"}},
      {"--label", {"--label="}},
      {"--project", {"--project="}},
  };
  for (const auto& [flag, extra] : cases) {
    std::vector<std::string> args = {kGateway, kPgDsn};
    args.insert(args.end(), extra.begin(), extra.end());
    LoadgenOptions options;
    const Parsed parsed = Parse(args, options);
    EXPECT_EQ(parsed.exit, 2) << extra.back();
    EXPECT_NE(parsed.err.find(flag), std::string::npos) << extra.back() << ": " << parsed.err;
  }
}

TEST_F(ParseFlagsTest, TheEndpointsAreRequiredWithWhereToFindThem) {
  LoadgenOptions no_gateway;
  const Parsed gateway = Parse({kPgDsn, "--gateway=localhost"}, no_gateway);
  EXPECT_EQ(gateway.exit, 2);
  EXPECT_NE(gateway.err.find("--gateway=HOST:PORT is required (GATEWAY_ADDR"), std::string::npos)
      << gateway.err;
  LoadgenOptions no_dsn;
  const Parsed dsn = Parse({kGateway}, no_dsn);
  EXPECT_EQ(dsn.exit, 2);
  EXPECT_NE(dsn.err.find("--pg_dsn is required (PG_DSN"), std::string::npos) << dsn.err;
}

TEST_F(ParseFlagsTest, HelpListsEveryFlagWithItsDefaultAndExitsZero) {
  LoadgenOptions options;
  const Parsed parsed = Parse({"--help"}, options);
  EXPECT_EQ(parsed.exit, 0);
  for (const char* flag : {"--gateway", "--api_key", "INGEST_API_KEY", "--pg_dsn", "--project",
                           "--sessions", "--payloads", "--min_payload_bytes", "--max_payload_bytes",
                           "--seed", "--concurrency", "--call_timeout", "--max_attempts",
                           "--verify_timeout", "--completion_timeout", "--label", "--ledger_out"}) {
    EXPECT_NE(parsed.out.find(flag), std::string::npos) << flag;
  }
  for (const char* shown_default :
       {"demo-project", "=20", "=25", "=10240", "=3145728", "=30s", "=8", "=2m", "=1m", "=demo"}) {
    EXPECT_NE(parsed.out.find(shown_default), std::string::npos) << shown_default;
  }
  EXPECT_NE(parsed.out.find("Exit code: 0 all verified"), std::string::npos);
}

}  // namespace
}  // namespace ingest::loadgen
