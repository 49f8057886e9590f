#include "tools/loadgen/app.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cpp/clock.h"
#include "tools/console/console.h"
#include "tools/loadgen/gateway_probe.h"
#include "tools/loadgen/pg_rows.h"
#include "tools/loadgen/run.h"
#include "tools/loadgen/summary.h"

namespace ingest::loadgen {
namespace {

constexpr char kStackHint[] =
    "is the stack up? run ./dev up (addresses are in .local/endpoints.env)";

// Fails before any load is sent if the ledger file cannot be created.
absl::Status CheckWritable(const std::string& path) {
  if (std::ofstream(path)) return absl::OkStatus();
  return absl::ErrnoToStatus(errno, absl::StrCat("cannot write --ledger_out=", path));
}

}  // namespace

int RunLoadgenMain(const LoadgenOptions& options) {
  console::Console& console = console::Console::Stderr();

  if (!options.ledger_out.empty()) {
    if (absl::Status status = CheckWritable(options.ledger_out); !status.ok()) {
      console.Log(absl::StrCat("loadgen: ", status.message()));
      return kExitUsage;
    }
  }

  absl::StatusOr<std::unique_ptr<RowReader>> reader = ConnectPgRowReader(options.pg_dsn);
  if (!reader.ok()) {
    console.Log(absl::StrCat("loadgen: ", reader.status().message(), "\n  ", kStackHint));
    return kExitUsage;
  }

  // Before the load, through the SDK and producing nothing: the gateway
  // answers and takes the API key (gateway_probe.h).
  const client::ClientOptions sdk = ClientOptionsFor(options);
  const absl::Duration connect_timeout = std::min(options.call_timeout, absl::Seconds(10));
  if (absl::Status probe = ProbeGateway(sdk, connect_timeout); !probe.ok()) {
    const bool unreachable = probe.code() == absl::StatusCode::kUnavailable ||
                             probe.code() == absl::StatusCode::kDeadlineExceeded;
    console.Log(absl::StrCat(
        unreachable
            ? absl::StrCat("loadgen: cannot connect to the gateway at ", options.gateway,
                           " within ", absl::FormatDuration(connect_timeout), ": ")
            : absl::StrCat("loadgen: the gateway at ", options.gateway, " refused the probe: "),
        probe.ToString(), "\n  ",
        unreachable ? kStackHint
                    : "check --api_key / $INGEST_API_KEY and --project (API_KEY and "
                      "PROJECT_ID in .local/endpoints.env)"));
    return kExitUsage;
  }

  console.Log(absl::StrFormat(
      "loadgen: %d sessions x %d payloads of %d..%d bytes (seed %d) to %s, "
      "%d sessions at a time",
      options.sessions, options.payloads_per_session, options.min_payload_bytes,
      options.max_payload_bytes, options.seed, options.gateway, options.EffectiveConcurrency()));

  const absl::StatusOr<RunSummary> summary =
      RunAndVerify(options, sdk, **reader, console, client::SharedSystemClock());
  if (!summary.ok()) {
    console.Log(
        absl::StrCat("loadgen: cannot read the results from "
                     "PostgreSQL: ",
                     summary.status().ToString(), "\n  ", kStackHint));
    return kExitUsage;
  }
  std::printf("%s\n", FormatSummaryLine(*summary).c_str());
  std::fflush(stdout);
  return ExitCodeFor(*summary);
}

}  // namespace ingest::loadgen
