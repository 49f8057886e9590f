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

std::optional<int> Parse(CLI::App& app, int argc, char** argv) {
  if (app.get_name().empty() && argc > 0) app.name(argv[0]);
  // CLI11 2.1.2 reads "--name=" (a script's --name="$VAR" with VAR empty) as
  // "--name" and takes the NEXT argument as the value. Passing the empty
  // value as an argument of its own gives the flag "" as it should. Arguments
  // after "--" (another program's command line) are left as they are.
  std::vector<std::string> args;
  bool after_dashes = false;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    after_dashes = after_dashes || arg == "--";
    if (!after_dashes && absl::StartsWith(arg, "--") && absl::EndsWith(arg, "=")) {
      args.emplace_back(arg.substr(0, arg.size() - 1));
      args.emplace_back();
    } else {
      args.emplace_back(arg);
    }
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
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
