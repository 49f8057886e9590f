#include "services/broker_proxy/ingestctl/app.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/status/status_macros.h"

namespace ingest::ingestctl {
namespace {

std::atomic<bool> interrupted{false};

void OnInterrupt(int) { interrupted.store(true); }

class SleepingPacer final : public Pacer {
 public:
  bool Wait(absl::Duration interval) override {
    // From the first pause on, Ctrl-C ends the watch cleanly; before it (and
    // in one-shot commands) SIGINT keeps its default and ends the process.
    if (!handler_installed_) {
      struct sigaction action = {};
      action.sa_handler = OnInterrupt;
      sigemptyset(&action.sa_mask);
      sigaction(SIGINT, &action, nullptr);
      handler_installed_ = true;
    }
    const absl::Time end = absl::Now() + interval;
    while (!interrupted.load()) {
      const absl::Duration left = end - absl::Now();
      if (left <= absl::ZeroDuration()) return true;
      absl::SleepFor(std::min(left, absl::Milliseconds(100)));
    }
    return false;
  }
  absl::Time Now() override { return absl::Now(); }

 private:
  bool handler_installed_ = false;
};

// The contents of `path`, given as `flag`; INVALID_ARGUMENT when it cannot
// be read or is empty.
absl::StatusOr<std::string> ReadPem(absl::string_view flag, const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  if (!file) return absl::InvalidArgumentError(absl::StrCat("cannot read ", flag, "=", path));
  if (text.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, "=", path, " is empty"));
  }
  return text.str();
}

}  // namespace

absl::StatusOr<std::string> ResolveToken(const GlobalOptions& global) {
  if (global.token_file.empty()) return global.token;
  std::ifstream file(global.token_file);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read --token_file=", global.token_file));
  }
  // broker-proxy's --operator_token_file reads as well: its first token
  // line is `<token> [name]`.
  std::string line;
  while (std::getline(file, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || absl::StartsWith(text, "#")) continue;
    return std::string(text.substr(0, text.find_first_of(" \t")));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--token_file=", global.token_file, " holds no token"));
}

absl::StatusOr<std::optional<TlsPem>> ResolveTls(const GlobalOptions& global) {
  if (global.ca_file.empty()) return std::nullopt;
  TlsPem tls;
  ASSIGN_OR_RETURN(tls.root_certs, ReadPem("--ca_file", global.ca_file));
  if (!global.cert_file.empty()) {
    ASSIGN_OR_RETURN(tls.cert_chain, ReadPem("--cert_file", global.cert_file));
    ASSIGN_OR_RETURN(tls.private_key, ReadPem("--key_file", global.key_file));
  }
  return tls;
}

int RunIngestctl(const std::vector<std::string>& args, const Environment& environment,
                 Console& console, const ClientFactory& client_factory, Pacer& pacer) {
  const absl::StatusOr<ParsedCommandLine> parsed = ParseCommandLine(args, environment);
  if (!parsed.ok()) {
    console.err << "ingestctl: " << parsed.status().message()
                << "\nRun 'ingestctl --help' (or 'ingestctl <command> --help') for usage.\n";
    return kExitUsage;
  }
  if (parsed->help.has_value()) {
    console.out << *parsed->help;
    return kExitOk;
  }
  const Invocation& invocation = parsed->invocation;
  const absl::StatusOr<std::string> token = ResolveToken(invocation.global);
  if (!token.ok()) {
    console.err << "ingestctl: " << token.status().message() << "\n";
    return kExitUsage;
  }
  const absl::StatusOr<std::optional<TlsPem>> tls = ResolveTls(invocation.global);
  if (!tls.ok()) {
    console.err << "ingestctl: " << tls.status().message() << "\n";
    return kExitUsage;
  }
  std::unique_ptr<BrokerProxyClient> client = client_factory(
      ClientOptions{invocation.global.server, *token, invocation.global.timeout, *tls});
  return RunCommand(invocation, *client, console, pacer);
}

Pacer& ProcessPacer() {
  static SleepingPacer* const pacer = new SleepingPacer();
  return *pacer;
}

}  // namespace ingest::ingestctl
