#include "tools/chaos/flags.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/loadgen/flag_syntax.h"

ABSL_FLAG(std::string, name, "",
          "Scenario name (e.g. pg-lock): the first word of every output "
          "line. Required.");
ABSL_FLAG(std::vector<std::string>, gateways, {},
          "HOST:PORT[,HOST:PORT...] of the gateways' gRPC endpoints. Session "
          "thread i's SDK clients list them from gateway i % n on, so the "
          "threads start spread over them; the SDK moves a call (and the "
          "client's later calls) to the next one on UNAVAILABLE. Required.");
ABSL_FLAG(std::string, api_key, "",
          "Project API key, sent as `authorization: Bearer KEY` (default: "
          "$INGEST_API_KEY).");
ABSL_FLAG(std::string, project, "demo-project",
          "project_id sent in InitializeSession.");
ABSL_FLAG(std::string, pg_dsn, "",
          "libpq connection string of the worker's PostgreSQL: lag "
          "(consumer_offsets) and the final verification. Required.");
ABSL_FLAG(std::string, kafka_bootstrap, "",
          "Kafka bootstrap servers, for the topic's high watermarks. "
          "Required.");
ABSL_FLAG(std::string, topic, "ingest.tasks",
          "The ingest topic whose lag is sampled.");
ABSL_FLAG(int, sessions, 12, "Concurrent session threads.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(90),
          "How long to generate load, e.g. 90s. Calls in flight at the end "
          "still finish (with their retries).");
ABSL_FLAG(absl::Duration, payload_interval, absl::Milliseconds(100),
          "Pause between one session's consecutive payloads.");
ABSL_FLAG(int, payloads_per_session, 200,
          "After this many payloads a thread starts a new session.");
ABSL_FLAG(int64_t, min_payload_bytes, 10 * 1024,
          "Smallest serialized unary PayloadContent, in bytes (>= 1024).");
ABSL_FLAG(int64_t, max_payload_bytes, 200 * 1024,
          "Largest serialized unary PayloadContent, in bytes; sizes are "
          "log-uniform in between.");
ABSL_FLAG(int, stream_every, 0,
          "Every Nth payload of a session is --stream_bytes large, which the "
          "SDK sends with PushPayloadStream (its threshold is "
          "--max_payload_bytes); 0 = never.");
ABSL_FLAG(int64_t, stream_bytes, 8 << 20,
          "Size of each streamed payload, in bytes (above --max_payload_bytes).");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(10),
          "Deadline of each call attempt, unary or stream (the SDK's "
          "call_deadline and stream_deadline).");
ABSL_FLAG(absl::Duration, give_up_after, absl::Seconds(180),
          "The SDK retries a call (same payload_id, same bytes, backoff 100ms "
          "capped at 2s with full jitter, no attempt limit) until this long "
          "after its first attempt (its retry.max_elapsed); then it is logged "
          "and skipped.");
ABSL_FLAG(uint64_t, seed, 1,
          "Seed for payload sizes and contents.");
ABSL_FLAG(std::string, marks_file, "",
          "File the orchestrator writes `fault_start <unix_ms>` and "
          "`fault_end <unix_ms>` lines to; read after the drain. Required.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(240),
          "After the load, how long to wait for the lag to reach 0 before "
          "verifying.");
ABSL_FLAG(int64_t, lag_floor, 50,
          "Recovery means lag <= max(pre-fault baseline, this) again.");
ABSL_FLAG(bool, expect_gateway_unaffected, false,
          "Check: no failed attempt during the faults and during-fault p99 <= "
          "max(3 x before p99, before p99 + 100ms) (database faults).");
ABSL_FLAG(bool, expect_no_ok_during_fault, false,
          "Check: every attempt that ended within [fault_start + 2s, fault_end] "
          "failed (at least one did), and every attempt ended within "
          "call_timeout + 2s (Kafka down).");
ABSL_FLAG(std::string, timeline_out, "",
          "If set, write one JSON line per second of the run here.");
ABSL_FLAG(std::string, ledger_out, "",
          "If set, write the ledger of acknowledged payloads here as TSV.");

namespace ingest::chaos {
namespace {

absl::StatusOr<size_t> Bytes(const char* flag, int64_t value) {
  if (value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must not be negative; got ", value));
  }
  return static_cast<size_t>(value);
}

}  // namespace

absl::StatusOr<ChaosOptions> ParseFlags(int argc, char** argv) {
  if (absl::Status status = loadgen::ParseToolCommandLine(
          argc, argv,
          "Drives SDK-like load through the gateways while a fault is "
          "injected, samples Kafka->PostgreSQL lag, then verifies every "
          "acknowledged payload landed once, in order, byte-identical.\n"
          "Usage: chaos_load --name=SCENARIO --gateways=HOST:PORT[,...] "
          "--pg_dsn=DSN --kafka_bootstrap=HOST:PORT --marks_file=PATH [flags]\n"
          "Exit code: 0 every check held, 1 a check failed (or marks missing), "
          "2 usage error or stack unreachable.",
          "tools/chaos/");
      !status.ok()) {
    return status;
  }

  ChaosOptions options;
  options.name = absl::GetFlag(FLAGS_name);
  for (const std::string& gateway : absl::GetFlag(FLAGS_gateways)) {
    if (!gateway.empty()) options.gateways.push_back(gateway);
  }
  options.api_key = loadgen::ApiKeyOrEnvironment(absl::GetFlag(FLAGS_api_key));
  options.project_id = absl::GetFlag(FLAGS_project);
  options.pg_dsn = absl::GetFlag(FLAGS_pg_dsn);
  options.kafka_bootstrap = absl::GetFlag(FLAGS_kafka_bootstrap);
  options.topic = absl::GetFlag(FLAGS_topic);
  options.sessions = absl::GetFlag(FLAGS_sessions);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.payload_interval = absl::GetFlag(FLAGS_payload_interval);
  options.payloads_per_session = absl::GetFlag(FLAGS_payloads_per_session);
  const absl::StatusOr<size_t> min_bytes =
      Bytes("min_payload_bytes", absl::GetFlag(FLAGS_min_payload_bytes));
  const absl::StatusOr<size_t> max_bytes =
      Bytes("max_payload_bytes", absl::GetFlag(FLAGS_max_payload_bytes));
  const absl::StatusOr<size_t> stream_bytes =
      Bytes("stream_bytes", absl::GetFlag(FLAGS_stream_bytes));
  for (const auto* bytes : {&min_bytes, &max_bytes, &stream_bytes}) {
    if (!bytes->ok()) return bytes->status();
  }
  options.min_payload_bytes = *min_bytes;
  options.max_payload_bytes = *max_bytes;
  options.stream_every = absl::GetFlag(FLAGS_stream_every);
  options.stream_bytes = *stream_bytes;
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.give_up_after = absl::GetFlag(FLAGS_give_up_after);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.marks_file = absl::GetFlag(FLAGS_marks_file);
  options.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  options.lag_floor = absl::GetFlag(FLAGS_lag_floor);
  options.expect_gateway_unaffected =
      absl::GetFlag(FLAGS_expect_gateway_unaffected);
  options.expect_no_ok_during_fault =
      absl::GetFlag(FLAGS_expect_no_ok_during_fault);
  options.timeline_out = absl::GetFlag(FLAGS_timeline_out);
  options.ledger_out = absl::GetFlag(FLAGS_ledger_out);
  if (absl::Status status = ValidateOptions(options); !status.ok()) {
    return status;
  }
  return options;
}

}  // namespace ingest::chaos
