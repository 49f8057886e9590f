#include "services/common/flags/cli.h"

#include <iostream>

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
  try {
    app.parse(argc, argv);
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
