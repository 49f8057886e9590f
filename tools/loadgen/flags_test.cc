#include "tools/loadgen/flags.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

absl::StatusOr<LoadgenOptions> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "loadgen");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return ParseFlags(static_cast<int>(argv.size()), argv.data());
}

TEST(ParseFlagsTest, BindsFlagsToOptions) {
  const absl::StatusOr<LoadgenOptions> options =
      Parse({"--gateway=127.0.0.1:50051", "--pg_dsn", "dbname=ingest",
             "--sessions=3", "--payloads=4", "--concurrency", "2",
             "--call_timeout=5s", "--verify_timeout=1m",
             "--completion_timeout=90s", "--label=ci",
             "--seed=9", "--min_payload_bytes=2048",
             "--max_payload_bytes=4096"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->gateway, "127.0.0.1:50051");
  EXPECT_EQ(options->pg_dsn, "dbname=ingest");
  EXPECT_EQ(options->sessions, 3);
  EXPECT_EQ(options->payloads_per_session, 4);
  EXPECT_EQ(options->concurrency, 2);
  EXPECT_EQ(options->call_timeout, absl::Seconds(5));
  EXPECT_EQ(options->verify_timeout, absl::Minutes(1));
  EXPECT_EQ(options->completion_timeout, absl::Seconds(90));
  EXPECT_EQ(options->label, "ci");
  EXPECT_EQ(options->seed, 9u);
  EXPECT_EQ(options->min_payload_bytes, 2048u);
  EXPECT_EQ(options->max_payload_bytes, 4096u);
}

TEST(ParseFlagsTest, UsageErrorsAreInvalidArgument) {
  const std::vector<std::vector<std::string>> bad = {
      {"--gateway=a:1", "--pg_dsn=x", "--no_such_flag=1"},
      {"--gateway=a:1", "--pg_dsn=x", "--call_timeout=soon"},
      {"--gateway=a:1", "--pg_dsn=x", "--sessions=many"},
      {"--gateway=a:1", "--pg_dsn=x", "stray"},
      {"--gateway=a:1", "--pg_dsn=x", "--min_payload_bytes=-5"},
      {"--gateway=a:1", "--pg_dsn=x", "--sessions=0"},
  };
  for (const std::vector<std::string>& args : bad) {
    EXPECT_EQ(Parse(args).status().code(), absl::StatusCode::kInvalidArgument)
        << args.back();
  }
}

}  // namespace
}  // namespace ingest::loadgen
