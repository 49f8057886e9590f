#include "tools/loadgen/flags.h"

#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/flags/cli.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::loadgen {
namespace {

// Beyond these a run is a typo, not a load test.
constexpr int kMaxSessions = 100'000;
constexpr int kMaxPayloadsPerSession = 1'000'000;
constexpr size_t kMaxPayloadBytes = 256u * 1024 * 1024;

// A value that is one non-empty word: the summary line starts with it.
const CLI::Validator kOneWord(
    [](std::string& value) {
      return value.empty() || absl::StrContains(value, ' ') ? "want one non-empty word"
                                                            : std::string();
    },
    "WORD");

// What CLI11 cannot check one flag at a time: the endpoints, required and
// with where to find them, and the bounds that depend on each other.
void CheckTogether(const LoadgenOptions& o) {
  auto fail = [](auto&&... parts) { throw CLI::ValidationError(absl::StrCat(parts...)); };
  if (!absl::StrContains(o.gateway, ':')) {
    fail(
        "--gateway=HOST:PORT is required (GATEWAY_ADDR in .local/endpoints.env after ./dev "
        "up); got '",
        o.gateway, "'");
  }
  if (o.pg_dsn.empty()) {
    fail("--pg_dsn is required (PG_DSN in .local/endpoints.env after ./dev up)");
  }
  if (o.max_payload_bytes < o.min_payload_bytes) {
    fail("--max_payload_bytes must be at least --min_payload_bytes (", o.min_payload_bytes,
         "); got ", o.max_payload_bytes);
  }
  if (o.call_timeout <= absl::ZeroDuration()) fail("--call_timeout must be positive");
}

}  // namespace

std::optional<int> ParseFlags(int argc, char** argv, LoadgenOptions& options) {
  CLI::App app(
      "Sends S sessions x P synthetic payloads to the ingest gateway, records what was "
      "acknowledged, then verifies PostgreSQL holds every acknowledged payload exactly once, "
      "byte-identical and in order.",
      "loadgen");
  app.footer(
      "Example: loadgen --gateway=HOST:PORT --pg_dsn=DSN --sessions=20 --payloads=25\n"
      "Exit code: 0 all verified, 1 something missing or wrong, 2 usage or connection error.");
  // --help shows every default; a flag given twice takes its last value.
  app.option_defaults()->always_capture_default()->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);

  app.add_option("--gateway", options.gateway,
                 "HOST:PORT of the gateway's gRPC endpoint (GATEWAY_ADDR in "
                 ".local/endpoints.env). Required.")
      ->type_name("HOST:PORT");
  app.add_option("--api_key", options.api_key,
                 "Project API key, sent as `authorization: Bearer KEY` (./dev up writes API_KEY "
                 "to .local/endpoints.env).")
      ->envname("INGEST_API_KEY")
      ->type_name("KEY");
  app.add_option("--pg_dsn", options.pg_dsn,
                 "libpq connection string of the worker's PostgreSQL (PG_DSN in "
                 ".local/endpoints.env). Required.")
      ->type_name("DSN");
  app.add_option("--project", options.project_id, "project_id sent in InitializeSession.")
      ->check(cli::NonEmpty());
  app.add_option("--sessions", options.sessions, "Number of sessions to run.")
      ->check(CLI::Range(1, kMaxSessions));
  app.add_option("--payloads", options.payloads_per_session,
                 "Payloads per session, pushed one after another with ids 1..N.")
      ->check(CLI::Range(1, kMaxPayloadsPerSession));
  app.add_option("--min_payload_bytes", options.min_payload_bytes,
                 "Smallest serialized PayloadContent, in bytes.")
      ->check(CLI::Range(PayloadFactory::kMinSupportedBytes, kMaxPayloadBytes));
  app.add_option("--max_payload_bytes", options.max_payload_bytes,
                 "Largest serialized PayloadContent, in bytes (>= --min_payload_bytes). Sizes "
                 "are spread log-uniformly between the two.")
      ->check(CLI::Range(PayloadFactory::kMinSupportedBytes, kMaxPayloadBytes));
  app.add_option("--seed", options.seed,
                 "Seed for payload sizes and contents; the same seed sends the same bytes.")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--concurrency", options.concurrency,
                 "Sessions in flight at once (one thread each); 0 means --sessions.")
      ->check(CLI::NonNegativeNumber);
  cli::AddDuration(app, "--call_timeout", options.call_timeout,
                   "Deadline of each RPC attempt (the SDK's call_deadline), e.g. 30s; positive.");
  app.add_option("--max_attempts", options.max_attempts,
                 "Attempts per call, including the first (the SDK's retry.max_attempts). The SDK "
                 "retries what proto/ingest/v1/RETRY.md says (UNAVAILABLE, DEADLINE_EXCEEDED, "
                 "RESOURCE_EXHAUSTED with retry-after-ms, ...) with capped exponential backoff "
                 "and jitter, with the same payload_id and bytes.")
      ->check(CLI::PositiveNumber);
  cli::AddDuration(app, "--verify_timeout", options.verify_timeout,
                   "How long to wait for every acknowledged payload to reach PostgreSQL before "
                   "counting the missing ones as lost.");
  cli::AddDuration(app, "--completion_timeout", options.completion_timeout,
                   "After the rows are there, how long to wait for every session whose last "
                   "payload (sent with has_session_unloaded) is stored to be 'completed' by the "
                   "worker; one that is not by then fails the run. 0 disables the check "
                   "(sessions_completed is still reported).");
  app.add_option("--label", options.label, "First word of the summary line printed last on stdout.")
      ->check(kOneWord);
  app.add_option("--ledger_out", options.ledger_out,
                 "If set, write the ledger of acknowledged payloads here as TSV.")
      ->type_name("PATH");
  app.add_option("--tls_ca_file", options.tls_ca_file,
                 "TLS to the gateway: the CA bundle its certificate must chain to (./dev up --tls "
                 "writes GATEWAY_TLS_CA_FILE to .local/endpoints.env). Empty: plaintext.")
      ->type_name("PATH");
  app.add_option("--tls_cert_file", options.tls_cert_file,
                 "Mutual TLS: this client's certificate (with --tls_key_file).")
      ->type_name("PATH");
  app.add_option("--tls_key_file", options.tls_key_file, "Mutual TLS: its key.")->type_name("PATH");
  app.callback([&options] { CheckTogether(options); });
  return cli::Parse(app, argc, argv);
}

}  // namespace ingest::loadgen
