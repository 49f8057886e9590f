#include "tools/chaos/app.h"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cpp/clock.h"
#include "services/common/flags/cli.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"
#include "tools/chaos/kafka_topic_payloads.h"
#include "tools/chaos/kafka_watermarks.h"
#include "tools/chaos/pg_offsets.h"
#include "tools/chaos/run.h"
#include "tools/console/console.h"
#include "tools/loadgen/gateway_probe.h"
#include "tools/loadgen/pg_rows.h"

namespace ingest::chaos {
namespace {

constexpr char kStackHint[] =
    "; is the stack up? (./dev up writes the addresses to .local/endpoints.env)";
constexpr absl::Duration kConnectTimeout = absl::Seconds(10);
constexpr absl::Duration kGatewayConnectTimeout = absl::Seconds(5);
// One lag read per side must not hold up the 500 ms sampler for long.
constexpr absl::Duration kLagReadTimeout = absl::Seconds(1);
// Reading the whole topic for lost payloads (a few hundred MB at most).
constexpr absl::Duration kTopicReadTimeout = absl::Seconds(120);

// Fails before any load is sent if an output file cannot be created.
absl::Status CheckWritable(const std::string& flag, const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot write --", flag, "=", path));
  }
  std::fclose(file);
  return absl::OkStatus();
}

// What pre-flight connects; `with` points to the rest.
struct Stack {
  std::unique_ptr<CommittedOffsetSource> offsets;
  std::unique_ptr<loadgen::RowReader> rows;
  std::unique_ptr<HighWatermarkSource> watermarks;
  std::unique_ptr<TopicPayloadSource> topic_payloads;
  Collaborators with;
};

// Every gateway is probed through the SDK, producing nothing
// (loadgen/gateway_probe.h); at least one must answer now, and every one that
// answers must accept the API key. Returns those that did not answer.
absl::StatusOr<std::vector<std::string>> ProbeGateways(const ChaosOptions& options) {
  std::vector<std::string> unreachable;
  for (const std::string& address : options.gateways) {
    client::ClientOptions one = ClientOptionsFor(options);
    one.targets = {address};
    const absl::Status probe = loadgen::ProbeGateway(one, kGatewayConnectTimeout);
    if (probe.code() == absl::StatusCode::kUnavailable ||
        probe.code() == absl::StatusCode::kDeadlineExceeded) {
      unreachable.push_back(address);
    } else if (!probe.ok()) {
      return absl::Status(probe.code(), absl::StrCat("gateway ", address,
                                                     " refused the probe: ", probe.ToString()));
    }
  }
  if (unreachable.size() == options.gateways.size()) {
    return absl::UnavailableError(absl::StrCat(
        "gateways: none of ", absl::StrJoin(options.gateways, ","), " answered within ",
        absl::FormatDuration(kGatewayConnectTimeout), kStackHint));
  }
  return unreachable;
}

absl::StatusOr<Stack> ConnectStack(const ChaosOptions& options) {
  RETURN_IF_ERROR(WithContext(CheckWritable("ledger_out", options.ledger_out), "output"));
  RETURN_IF_ERROR(WithContext(CheckWritable("timeline_out", options.timeline_out), "output"));
  Stack stack;

  // PostgreSQL: the committed offsets and, at the end, the rows.
  ASSIGN_OR_RETURN(stack.offsets,
                   WithContext(ConnectPgOffsets(options.pg_dsn, options.topic, kLagReadTimeout),
                               "PostgreSQL", kStackHint));
  ASSIGN_OR_RETURN(
      const int64_t committed,
      WithContext(stack.offsets->SumNextOffsets(),
                  "PostgreSQL consumer_offsets (has the worker migrated the database?)"));
  ASSIGN_OR_RETURN(stack.rows, WithContext(loadgen::ConnectPgRowReader(options.pg_dsn),
                                           "PostgreSQL", kStackHint));

  // Kafka: the topic's high watermarks.
  ASSIGN_OR_RETURN(stack.watermarks,
                   WithContext(ConnectKafkaWatermarks(options.kafka_bootstrap, options.topic,
                                                      kConnectTimeout, kLagReadTimeout),
                               "Kafka", kStackHint));
  ASSIGN_OR_RETURN(const int64_t high,
                   WithContext(stack.watermarks->SumHighWatermarks(), "Kafka", kStackHint));
  if (committed > high) {
    // The worker would stop at offset_out_of_range and the lag read 0.
    return absl::FailedPreconditionError(absl::StrCat(
        "stack: consumer_offsets in PostgreSQL (sum ", committed,
        ") are ahead of Kafka's high watermarks for ", options.topic, " (sum ", high,
        "): the database holds offsets of another Kafka cluster (./dev up --fresh empties "
        "both)"));
  }
  // Kafka again, only if payloads were lost: is the topic missing them?
  stack.topic_payloads =
      CreateKafkaTopicPayloads(options.kafka_bootstrap, options.topic, kTopicReadTimeout);
  stack.with = {.rows = stack.rows.get(),
                .offsets = stack.offsets.get(),
                .watermarks = stack.watermarks.get(),
                .topic_payloads = stack.topic_payloads.get(),
                .initial_lag = LagTracker(high, committed)};
  return stack;
}

}  // namespace

int RunChaosMain(const ChaosOptions& options) {
  console::Console& console = console::Console::Stderr();
  const std::string prefix = absl::StrCat("chaos ", options.name, ": ");
  const absl::StatusOr<Stack> stack = ConnectStack(options);
  absl::StatusOr<std::vector<std::string>> unreachable =
      stack.ok() ? ProbeGateways(options) : stack.status();
  if (!unreachable.ok()) {
    console.Log(absl::StrCat(prefix, unreachable.status().message()));
    return cli::kExitUsage;
  }
  if (!unreachable->empty()) {
    console.Log(absl::StrCat(prefix, "warning: gateway(s) ", absl::StrJoin(*unreachable, ","),
                             " not reachable now; calls sent there will be retried elsewhere"));
  }
  return RunScenario(options, stack->with, console, stdout, client::SharedSystemClock());
}

}  // namespace ingest::chaos
