#include "services/worker/migrate_command.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/pg/migrations.h"
#include "services/common/pg/testing/test_database.h"

namespace ingest {
namespace {

// argv for ParseMigrateArgs: "migrate" followed by `args`.
absl::StatusOr<MigrateCommandOptions> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "migrate");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return ParseMigrateArgs(static_cast<int>(argv.size()), argv.data());
}

// Clears the variables ParseMigrateArgs reads, restoring them afterwards.
class ParseMigrateArgsTest : public ::testing::Test {
 protected:
  static constexpr const char* kNames[] = {"PG_DSN", "LOG_FORMAT", "LOG_LEVEL"};

  void SetUp() override {
    for (const char* name : kNames) {
      if (const char* value = std::getenv(name)) saved_.emplace_back(name, value);
      unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kNames) unsetenv(name);
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(ParseMigrateArgsTest, ReadsEveryOption) {
  auto options = Parse({"--pg_dsn=host=db dbname=ingest", "--pg_lock_timeout=750ms", "--wait=2m",
                        "--log_format=json", "--log_level=warn"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->dsn, "host=db dbname=ingest");
  EXPECT_EQ(options->lock_timeout, absl::Milliseconds(750));
  EXPECT_EQ(options->wait, absl::Minutes(2));
  EXPECT_EQ(options->log_format, log::Format::kJson);
  EXPECT_EQ(options->log_level, log::Level::kWarn);
  EXPECT_FALSE(options->help);
}

TEST_F(ParseMigrateArgsTest, DefaultsNeedOnlyADsn) {
  auto options = Parse({"--pg_dsn=dbname=ingest"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->lock_timeout, absl::Seconds(5));
  EXPECT_EQ(options->wait, absl::Seconds(60));
  EXPECT_EQ(options->log_format, log::Format::kText);
}

TEST_F(ParseMigrateArgsTest, EnvironmentIsTheFallbackAndTheCommandLineWins) {
  setenv("PG_DSN", "dbname=from_env", 1);
  setenv("LOG_FORMAT", "json", 1);
  auto options = Parse({});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->dsn, "dbname=from_env");
  EXPECT_EQ(options->log_format, log::Format::kJson);

  options = Parse({"--pg_dsn=dbname=from_flag", "--log_format=text"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->dsn, "dbname=from_flag");
  EXPECT_EQ(options->log_format, log::Format::kText);
}

TEST_F(ParseMigrateArgsTest, HelpNeedsNothingElse) {
  for (const char* help : {"--help", "-h"}) {
    auto options = Parse({help});
    ASSERT_TRUE(options.ok()) << options.status();
    EXPECT_TRUE(options->help);
  }
  EXPECT_EQ(RunMigrateCommand(*Parse({"--help"})), 0);
}

TEST_F(ParseMigrateArgsTest, ErrorsNameTheArgument) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "--pg_dsn is required"},
      {{"--pg_dsn=x", "--kafka_bootstrap=k:9092"}, "'--kafka_bootstrap'"},
      {{"--pg_dsn=x", "--wait"}, "'--wait'"},
      {{"--pg_dsn=x", "serve"}, "'serve'"},
      {{"--pg_dsn=x", "--wait=soon"}, "--wait must be a duration"},
      {{"--pg_dsn=x", "--wait=-1s"}, "--wait must not be negative"},
      {{"--pg_dsn=x", "--pg_lock_timeout=0s"}, "--pg_lock_timeout must be positive"},
      {{"--pg_dsn=x", "--log_format=xml"}, "--log_format must be text or json"},
  };
  for (const auto& [args, expected] : cases) {
    auto options = Parse(args);
    ASSERT_FALSE(options.ok()) << expected;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(options.status().message().find(expected), std::string::npos) << options.status();
  }
  setenv("LOG_LEVEL", "loud", 1);
  EXPECT_NE(Parse({"--pg_dsn=x"}).status().message().find("$LOG_LEVEL"), std::string::npos);
}

TEST(WaitAndMigrateTest, UnreachableDatabaseFailsOnceTheWaitIsOver) {
  MigrateCommandOptions options;
  // Port 1 on loopback refuses at once, so each attempt is quick.
  options.dsn = "host=127.0.0.1 port=1 user=nobody dbname=nothing";
  options.wait = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  auto applied = WaitAndMigrate(options);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kUnavailable);
  // It retried (the first backoff fits in the wait) and then gave up.
  EXPECT_NE(applied.status().message().find("gave up after 2 attempts"), std::string::npos)
      << applied.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  EXPECT_EQ(RunMigrateCommand(options), 1);
}

// Needs PostgreSQL: `./dev test` sets PG_DSN; without it the test fails and says so.
TEST(WaitAndMigrateTest, AppliesEverythingOnceThenNothing) {
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  MigrateCommandOptions options;
  options.dsn = (*database)->dsn();

  auto first = WaitAndMigrate(options);
  ASSERT_TRUE(first.ok()) << first.status();
  std::vector<int> all;
  for (int version = 1; version <= LatestSchemaVersion(); ++version) all.push_back(version);
  EXPECT_EQ(*first, all);

  auto second = WaitAndMigrate(options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->empty());
  EXPECT_EQ(RunMigrateCommand(options), 0);
}

}  // namespace
}  // namespace ingest
