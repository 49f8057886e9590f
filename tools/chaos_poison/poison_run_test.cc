#include "tools/chaos_poison/poison_run.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

std::optional<int> Parse(std::vector<std::string> args, PoisonOptions& options) {
  args.insert(args.begin(), "chaos_poison");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return ParsePoisonOptions(static_cast<int>(argv.size()), argv.data(), options);
}

TEST(ParsePoisonOptionsTest, DefaultsAndTheDeadLetterTopicOfTheTopic) {
  PoisonOptions options;
  ASSERT_EQ(Parse({"--kafka_bootstrap=k:1", "--pg_dsn=dbname=x", "--topic=t"}, options),
            std::nullopt);
  EXPECT_EQ(options.kafka_bootstrap, "k:1");
  EXPECT_EQ(options.pg_dsn, "dbname=x");
  EXPECT_EQ(options.dlq_topic, "t.dlq");
  EXPECT_EQ(options.project_id, "demo-project");
  EXPECT_EQ(options.malformed_sessions, 4);
  EXPECT_EQ(options.conflicting_sessions, 2);
  EXPECT_EQ(options.timeout, absl::Seconds(120));
}

TEST(ParsePoisonOptionsTest, BindsTheFlags) {
  PoisonOptions options;
  ASSERT_EQ(Parse({"--kafka_bootstrap=k:1", "--pg_dsn=d", "--dlq_topic=dead", "--project=p",
                   "--malformed_sessions=1", "--conflicting_sessions=0", "--timeout=5s"},
                  options),
            std::nullopt);
  EXPECT_EQ(options.dlq_topic, "dead");
  EXPECT_EQ(options.project_id, "p");
  EXPECT_EQ(options.malformed_sessions, 1);
  EXPECT_EQ(options.conflicting_sessions, 0);
  EXPECT_EQ(options.timeout, absl::Seconds(5));
}

TEST(ParsePoisonOptionsTest, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--pg_dsn=d"},
           {"--kafka_bootstrap=k:1"},
           {"--kafka_bootstrap=k:1", "--pg_dsn=d", "--timeout=soon"},
           {"--kafka_bootstrap=k:1", "--pg_dsn=d", "--unknown=1"}}) {
    PoisonOptions options;
    EXPECT_EQ(Parse(args, options), 2) << args.back();
  }
  PoisonOptions options;
  EXPECT_EQ(Parse({"--help"}, options), 0);
}

}  // namespace
}  // namespace ingest::chaos
