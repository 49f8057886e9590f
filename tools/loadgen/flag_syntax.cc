#include "tools/loadgen/flag_syntax.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace ingest::loadgen {
namespace {

// The flags absl handles itself without registering them.
bool IsUsageFlag(absl::string_view name) {
  for (absl::string_view usage : {"help", "helpfull", "helpshort",
                                  "helppackage", "helpon", "helpmatch",
                                  "version", "only_check_args"}) {
    if (name == usage) return true;
  }
  return false;
}

}  // namespace

absl::Status CheckFlagSyntax(int argc, char** argv,
                             absl::string_view own_flags_dir) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      continue;
    }
    const size_t equals = arg.find('=');
    const absl::string_view name = arg.substr(0, equals);
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      flag = absl::FindCommandLineFlag(name.substr(2));  // --nofoo for bools
    }
    if (flag == nullptr && !IsUsageFlag(name)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (flag != nullptr && equals == absl::string_view::npos &&
        !flag->IsOfType<bool>()) {
      ++i;  // `--name value`: the next argument is the value, not a flag
      continue;
    }
    if (flag != nullptr && equals != absl::string_view::npos &&
        absl::StrContains(flag->Filename(), own_flags_dir)) {
      std::string error;
      if (!flag->ParseFrom(arg.substr(equals + 1), &error)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, ": ", error));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ParseToolCommandLine(int argc, char** argv, absl::string_view usage,
                                  absl::string_view own_flags_dir) {
  // absl allows setting these only once per process.
  static const bool configured = [&] {
    absl::SetProgramUsageMessage(usage);
    absl::FlagsUsageConfig config;
    config.contains_help_flags = [dir = std::string(own_flags_dir)](absl::string_view file) {
      return absl::StrContains(file, dir);
    };
    absl::SetFlagsUsageConfig(config);
    return true;
  }();
  (void)configured;
  if (absl::Status status = CheckFlagSyntax(argc, argv, own_flags_dir); !status.ok()) {
    return status;
  }
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unexpected arguments: ", absl::StrJoin(positional.begin() + 1, positional.end(), " ")));
  }
  return absl::OkStatus();
}

std::string ApiKeyOrEnvironment(std::string flag_value) {
  if (!flag_value.empty()) return flag_value;
  const char* from_env = std::getenv("INGEST_API_KEY");
  return from_env != nullptr ? from_env : "";
}

}  // namespace ingest::loadgen
