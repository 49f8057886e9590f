#include "tools/chaos/app.h"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/chaos/kafka_topic_payloads.h"
#include "tools/chaos/kafka_watermarks.h"
#include "tools/chaos/load_driver.h"
#include "tools/chaos/options.h"
#include "tools/chaos/pg_offsets.h"
#include "tools/chaos/run.h"
#include "tools/chaos/verdict.h"
#include "tools/loadgen/clock.h"
#include "tools/loadgen/console.h"
#include "tools/loadgen/gateway_probe.h"
#include "tools/loadgen/pg_rows.h"

namespace ingest::chaos {
namespace {

constexpr char kStackHint[] =
    "is the stack up? (./dev up writes the addresses to .local/endpoints.env)";
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

}  // namespace

int RunChaosMain(const ChaosOptions& options) {
  loadgen::Console console(stderr, loadgen::Console::IsTty(stderr));
  const std::string prefix = absl::StrCat("chaos ", options.name, ": ");
  auto fail = [&](const std::string& what, const absl::Status& status, bool hint) {
    console.Log(absl::StrCat(prefix, what, ": ", status.message(),
                             hint ? absl::StrCat("; ", kStackHint) : ""));
    return kExitUsage;
  };

  using FlagAndPath = std::pair<std::string, std::string>;
  for (const auto& [flag, path] : {FlagAndPath{"ledger_out", options.ledger_out},
                                   FlagAndPath{"timeline_out", options.timeline_out}}) {
    if (absl::Status status = CheckWritable(flag, path); !status.ok()) {
      return fail("output", status, false);
    }
  }

  // PostgreSQL: the committed offsets and, at the end, the rows.
  absl::StatusOr<std::unique_ptr<CommittedOffsetSource>> offsets =
      ConnectPgOffsets(options.pg_dsn, options.topic, kLagReadTimeout);
  if (!offsets.ok()) return fail("PostgreSQL", offsets.status(), true);
  const absl::StatusOr<int64_t> committed = (*offsets)->SumNextOffsets();
  if (!committed.ok()) {
    return fail("PostgreSQL consumer_offsets (has the worker migrated the database?)",
                committed.status(), false);
  }
  absl::StatusOr<std::unique_ptr<loadgen::RowReader>> rows =
      loadgen::ConnectPgRowReader(options.pg_dsn);
  if (!rows.ok()) return fail("PostgreSQL", rows.status(), true);

  // Kafka: the topic's high watermarks.
  absl::StatusOr<std::unique_ptr<HighWatermarkSource>> watermarks = ConnectKafkaWatermarks(
      options.kafka_bootstrap, options.topic, kConnectTimeout, kLagReadTimeout);
  if (!watermarks.ok()) return fail("Kafka", watermarks.status(), true);
  const absl::StatusOr<int64_t> high = (*watermarks)->SumHighWatermarks();
  if (!high.ok()) return fail("Kafka", high.status(), true);
  if (*committed > *high) {
    // The worker would stop at offset_out_of_range and the lag read 0.
    return fail("stack",
                absl::FailedPreconditionError(absl::StrCat(
                    "consumer_offsets in PostgreSQL (sum ", *committed,
                    ") are ahead of Kafka's high watermarks for ", options.topic, " (sum ", *high,
                    "): the database holds offsets of another Kafka cluster (./dev up --fresh "
                    "empties both)")),
                false);
  }

  // Gateways: each is probed through the SDK, producing nothing
  // (loadgen/gateway_probe.h); at least one must answer now, and every one
  // that answers must accept the API key.
  const client::ClientOptions sdk = ClientOptionsFor(options);
  std::vector<std::string> unreachable;
  for (const std::string& address : options.gateways) {
    client::ClientOptions one = sdk;
    one.targets = {address};
    const absl::Status probe = loadgen::ProbeGateway(one, kGatewayConnectTimeout);
    if (probe.code() == absl::StatusCode::kUnavailable ||
        probe.code() == absl::StatusCode::kDeadlineExceeded) {
      unreachable.push_back(address);
    } else if (!probe.ok()) {
      return fail(absl::StrCat("gateway ", address, " refused the probe"),
                  absl::Status(probe.code(), probe.ToString()), false);
    }
  }
  if (unreachable.size() == options.gateways.size()) {
    return fail("gateways",
                absl::UnavailableError(absl::StrCat(
                    "none of ", absl::StrJoin(options.gateways, ","), " answered within ",
                    absl::FormatDuration(kGatewayConnectTimeout))),
                true);
  }
  if (!unreachable.empty()) {
    console.Log(absl::StrCat(prefix, "warning: gateway(s) ", absl::StrJoin(unreachable, ","),
                             " not reachable now; calls sent there will be retried elsewhere"));
  }

  // Kafka again, only if payloads were lost: is the topic missing them?
  const std::unique_ptr<TopicPayloadSource> topic_payloads =
      CreateKafkaTopicPayloads(options.kafka_bootstrap, options.topic, kTopicReadTimeout);

  Collaborators with{.rows = rows->get(),
                     .offsets = offsets->get(),
                     .watermarks = watermarks->get(),
                     .topic_payloads = topic_payloads.get(),
                     .initial_lag = LagTracker(*high, *committed)};
  return RunScenario(options, with, console, stdout, loadgen::Clock::Real());
}

}  // namespace ingest::chaos
