#pragma once

// Command lines of the project's tools and benchmarks on CLI11: flags bound
// straight to the fields of a tool's options struct (the struct holds the
// defaults, --help prints them), with the value types CLI11 lacks (durations,
// anything an absl-style parser reads) and one way to parse and exit.

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ingest::cli {

// A validator that parses the value with `parse` and hands the result to
// `set`; the parser's message is the error CLI11 prints.
template <typename T>
CLI::Validator Parsed(std::function<absl::StatusOr<T>(absl::string_view)> parse,
                      std::type_identity_t<std::function<void(T)>> set) {
  return CLI::Validator(
      [parse = std::move(parse), set = std::move(set)](std::string& value) -> std::string {
        absl::StatusOr<T> parsed = parse(value);
        if (!parsed.ok()) return std::string(parsed.status().message());
        set(*std::move(parsed));
        return "";
      },
      "");
}

// The same for a parse function, whose result type names T.
template <typename T>
CLI::Validator Parsed(absl::StatusOr<T> (*parse)(absl::string_view),
                      std::type_identity_t<std::function<void(T)>> set) {
  return Parsed<T>(std::function<absl::StatusOr<T>(absl::string_view)>(parse), std::move(set));
}

// `name VALUE` parsed by `parse` into `target`; --help shows `shown_default`.
template <typename T>
CLI::Option* AddParsed(CLI::App& app, const std::string& name, T& target,
                       std::function<absl::StatusOr<T>(absl::string_view)> parse,
                       const std::string& type, const std::string& shown_default,
                       const std::string& help) {
  return app.add_option(name, help)
      ->type_name(type)
      ->default_str(shown_default)
      ->check(Parsed<T>(std::move(parse), [&target](T value) { target = std::move(value); }));
}

// Refuses an empty value ("want a non-empty value").
inline CLI::Validator NonEmpty() {
  return CLI::Validator(
      [](std::string& value) { return value.empty() ? "want a non-empty value" : std::string(); },
      "");
}

// `name DURATION` (absl::ParseDuration: 150ms, 5s, 2m30s) into `target`.
CLI::Option* AddDuration(CLI::App& app, const std::string& name, absl::Duration& target,
                         const std::string& help);

// `args` (without the program name) as CLI11 2.1.2's App::parse takes them:
// reversed, and each `--name=` (an empty value, e.g. a script's
// --name="$VAR" with VAR empty) as the two words `--name` and ``, because
// CLI11 reads `--name=` as `--name` and takes the NEXT word as the value.
// Only a flag whose first '=' ends it is split (`--token=YWI=` is whole), and
// nothing after a `--` (another program's command line).
std::vector<std::string> ForCli11(const std::vector<std::string>& args);

// Parses the command line. Returns nullopt to go on, or the exit status when
// the program should stop: 0 after --help (printed to stdout), 2 after a
// usage error (printed to stderr with a pointer to --help).
std::optional<int> Parse(CLI::App& app, int argc, char** argv);

inline constexpr int kExitUsage = 2;

}  // namespace ingest::cli
