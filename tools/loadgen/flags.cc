#include "tools/loadgen/flags.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/loadgen/flag_syntax.h"

ABSL_FLAG(std::string, gateway, "",
          "HOST:PORT of the gateway's gRPC endpoint (GATEWAY_ADDR in "
          ".local/endpoints.env). Required.");
ABSL_FLAG(std::string, api_key, "",
          "Project API key, sent as `authorization: Bearer KEY` (default: "
          "$INGEST_API_KEY; ./dev up writes API_KEY to .local/endpoints.env).");
ABSL_FLAG(std::string, pg_dsn, "",
          "libpq connection string of the worker's PostgreSQL (PG_DSN in "
          ".local/endpoints.env). Required.");
ABSL_FLAG(std::string, project, "demo-project",
          "project_id sent in InitializeSession.");
ABSL_FLAG(int, sessions, 20, "Number of sessions to run.");
ABSL_FLAG(int, payloads, 25,
          "Payloads per session, pushed one after another with ids 1..N.");
ABSL_FLAG(int64_t, min_payload_bytes, 10 * 1024,
          "Smallest serialized PayloadContent, in bytes (>= 1024).");
ABSL_FLAG(int64_t, max_payload_bytes, 3 * 1024 * 1024,
          "Largest serialized PayloadContent, in bytes. Sizes are spread "
          "log-uniformly between the two.");
ABSL_FLAG(uint64_t, seed, 1,
          "Seed for payload sizes and contents; the same seed sends the same "
          "bytes.");
ABSL_FLAG(int, concurrency, 0,
          "Sessions in flight at once (one thread each); 0 means --sessions.");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(30),
          "Deadline of each RPC attempt (the SDK's call_deadline), e.g. 30s.");
ABSL_FLAG(int, max_attempts, 8,
          "Attempts per call, including the first (the SDK's "
          "retry.max_attempts). The SDK retries what proto/ingest/v1/RETRY.md "
          "says (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED with "
          "retry-after-ms, ...) with capped exponential backoff and jitter, "
          "with the same payload_id and bytes.");
ABSL_FLAG(absl::Duration, verify_timeout, absl::Seconds(120),
          "How long to wait for every acknowledged payload to reach "
          "PostgreSQL before counting the missing ones as lost.");
ABSL_FLAG(absl::Duration, completion_timeout, absl::Seconds(60),
          "After the rows are there, how long to wait for every session whose last "
          "payload (sent with has_session_unloaded) is stored to be 'completed' by "
          "the worker; one that is not by then fails the run. 0 disables the "
          "check (sessions_completed is still reported).");
ABSL_FLAG(std::string, label, "demo",
          "First word of the summary line printed last on stdout.");
ABSL_FLAG(std::string, ledger_out, "",
          "If set, write the ledger of acknowledged payloads here as TSV.");

namespace ingest::loadgen {

absl::StatusOr<LoadgenOptions> ParseFlags(int argc, char** argv) {
  if (absl::Status status = ParseToolCommandLine(
          argc, argv,
          "Sends S sessions x P synthetic payloads to the ingest gateway, "
          "records what was acknowledged, then verifies PostgreSQL holds every "
          "acknowledged payload exactly once, byte-identical and in order.\n"
          "Usage: loadgen --gateway=HOST:PORT --pg_dsn=DSN [flags]\n"
          "Exit code: 0 all verified, 1 something missing or wrong, 2 usage "
          "or connection error.",
          "tools/loadgen/");
      !status.ok()) {
    return status;
  }

  const int64_t min_bytes = absl::GetFlag(FLAGS_min_payload_bytes);
  const int64_t max_bytes = absl::GetFlag(FLAGS_max_payload_bytes);
  if (min_bytes < 0 || max_bytes < 0) {
    return absl::InvalidArgumentError(
        "--min_payload_bytes and --max_payload_bytes must not be negative");
  }

  LoadgenOptions options;
  options.gateway = absl::GetFlag(FLAGS_gateway);
  options.api_key = ApiKeyOrEnvironment(absl::GetFlag(FLAGS_api_key));
  options.pg_dsn = absl::GetFlag(FLAGS_pg_dsn);
  options.project_id = absl::GetFlag(FLAGS_project);
  options.sessions = absl::GetFlag(FLAGS_sessions);
  options.payloads_per_session = absl::GetFlag(FLAGS_payloads);
  options.min_payload_bytes = static_cast<size_t>(min_bytes);
  options.max_payload_bytes = static_cast<size_t>(max_bytes);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.max_attempts = absl::GetFlag(FLAGS_max_attempts);
  options.verify_timeout = absl::GetFlag(FLAGS_verify_timeout);
  options.completion_timeout = absl::GetFlag(FLAGS_completion_timeout);
  options.label = absl::GetFlag(FLAGS_label);
  options.ledger_out = absl::GetFlag(FLAGS_ledger_out);
  if (absl::Status status = ValidateOptions(options); !status.ok()) {
    return status;
  }
  return options;
}

}  // namespace ingest::loadgen
