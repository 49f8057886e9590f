#include "services/common/flags/cli.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::cli {
namespace {

std::optional<int> ParseArgs(CLI::App& app, std::vector<std::string> args) {
  args.insert(args.begin(), "tool");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return Parse(app, static_cast<int>(argv.size()), argv.data());
}

TEST(CliTest, DurationFlagSetsTheField) {
  CLI::App app("test");
  absl::Duration timeout = absl::Seconds(5);
  AddDuration(app, "--timeout", timeout, "Timeout.");
  EXPECT_EQ(ParseArgs(app, {"--timeout=150ms"}), std::nullopt);
  EXPECT_EQ(timeout, absl::Milliseconds(150));
}

TEST(CliTest, AbsentFlagKeepsTheDefaultAndHelpShowsIt) {
  CLI::App app("test");
  absl::Duration timeout = absl::Seconds(5);
  AddDuration(app, "--timeout", timeout, "Timeout.");
  EXPECT_EQ(ParseArgs(app, {}), std::nullopt);
  EXPECT_EQ(timeout, absl::Seconds(5));
  EXPECT_NE(app.help().find("5s"), std::string::npos) << app.help();
}

TEST(CliTest, BadDurationIsAUsageError) {
  CLI::App app("test");
  absl::Duration timeout = absl::Seconds(5);
  AddDuration(app, "--timeout", timeout, "Timeout.");
  EXPECT_EQ(ParseArgs(app, {"--timeout=soon"}), kExitUsage);
  EXPECT_EQ(timeout, absl::Seconds(5));
}

TEST(CliTest, ParsedFlagReportsTheParsersMessage) {
  CLI::App app("test");
  int even = 0;
  AddParsed<int>(
      app, "--even", even,
      [](absl::string_view text) -> absl::StatusOr<int> {
        int value = std::stoi(std::string(text));
        if (value % 2 != 0) return absl::InvalidArgumentError("want an even number");
        return value;
      },
      "N", "0", "An even number.");
  EXPECT_EQ(ParseArgs(app, {"--even=4"}), std::nullopt);
  EXPECT_EQ(even, 4);
  EXPECT_EQ(ParseArgs(app, {"--even=3"}), kExitUsage);
}

TEST(CliTest, AnEmptyValueAfterEqualsIsEmptyNotTheNextArgument) {
  CLI::App app("test");
  std::string key = "default";
  std::string topic = "default";
  std::vector<std::string> command;
  app.add_option("--key", key, "Key.");
  app.add_option("--topic", topic, "Topic.");
  app.add_option("command", command, "After --.");
  // A script's --key="$KEY" with KEY unset: CLI11 2.1.2 alone would take
  // "--topic=t" as the key.
  EXPECT_EQ(ParseArgs(app, {"--key=", "--topic=t", "--", "worker", "--flag="}), std::nullopt);
  EXPECT_EQ(key, "");
  EXPECT_EQ(topic, "t");
  EXPECT_EQ(command, (std::vector<std::string>{"worker", "--flag="}));
}

TEST(CliTest, AValueEndingInEqualsIsKeptWhole) {
  CLI::App app("test");
  std::string token;
  app.add_option("--token", token, "A base64 token.");
  EXPECT_EQ(ParseArgs(app, {"--token=YWI="}), std::nullopt);
  EXPECT_EQ(token, "YWI=");
}

TEST(CliTest, HelpStopsWithStatusZero) {
  CLI::App app("test");
  EXPECT_EQ(ParseArgs(app, {"--help"}), 0);
}

}  // namespace
}  // namespace ingest::cli
