#include "services/common/flags/cli.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ingest::cli {

CLI::Option* AddDuration(CLI::App& app, const std::string& name, absl::Duration& target,
                         const std::string& help) {
  std::function<absl::StatusOr<absl::Duration>(absl::string_view)> parse =
      [](absl::string_view text) -> absl::StatusOr<absl::Duration> {
    absl::Duration duration;
    if (!absl::ParseDuration(text, &duration) || duration < absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("want a duration such as 150ms, 5s or 2m, not '", text, "'"));
    }
    return duration;
  };
  return AddParsed(app, name, target, std::move(parse), "DURATION", absl::FormatDuration(target),
                   help);
}

std::vector<std::string> ForCli11(const std::vector<std::string>& args) {
  std::vector<std::string> words;
  bool after_dashes = false;
  for (const std::string& arg : args) {
    after_dashes = after_dashes || arg == "--";
    if (!after_dashes && absl::StartsWith(arg, "--") && arg.size() > 3 &&
        arg.find('=') == arg.size() - 1) {
      words.emplace_back(arg.substr(0, arg.size() - 1));
      words.emplace_back();
    } else {
      words.push_back(arg);
    }
  }
  std::reverse(words.begin(), words.end());  // CLI11 takes them last first
  return words;
}

std::optional<int> Parse(CLI::App& app, int argc, char** argv) {
  if (app.get_name().empty() && argc > 0) app.name(argv[0]);
  std::vector<std::string> args = ForCli11(std::vector<std::string>(argv + 1, argv + argc));
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& help) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& error) {
    std::cerr << app.get_name() << ": " << error.what() << "\nRun with --help for the flags.\n";
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace ingest::cli
