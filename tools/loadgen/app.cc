#include "tools/loadgen/app.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/loadgen/clock.h"
#include "tools/loadgen/console.h"
#include "tools/loadgen/grpc_ingest_client.h"
#include "tools/loadgen/pg_rows.h"
#include "tools/loadgen/run.h"
#include "tools/loadgen/summary.h"

namespace ingest::loadgen {
namespace {

constexpr char kStackHint[] =
    "is the stack up? run ./dev up (addresses are in .local/endpoints.env)";

// Fails before any load is sent if the ledger file cannot be created.
absl::Status CheckWritable(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot write --ledger_out=", path));
  }
  std::fclose(file);
  return absl::OkStatus();
}

}  // namespace

int RunLoadgenMain(const LoadgenOptions& options) {
  Console console(stderr, Console::IsTty(stderr));

  if (!options.ledger_out.empty()) {
    if (absl::Status status = CheckWritable(options.ledger_out); !status.ok()) {
      console.Log(absl::StrCat("loadgen: ", status.message()));
      return kExitUsage;
    }
  }

  absl::StatusOr<std::unique_ptr<RowReader>> reader =
      ConnectPgRowReader(options.pg_dsn);
  if (!reader.ok()) {
    console.Log(absl::StrCat("loadgen: ", reader.status().message(), "\n  ",
                             kStackHint));
    return kExitUsage;
  }

  const absl::Duration connect_timeout =
      std::min(options.call_timeout, absl::Seconds(10));
  std::shared_ptr<grpc::Channel> channel =
      CreateGatewayChannel(options.gateway);
  if (!WaitForConnected(*channel, connect_timeout).ok()) {
    console.Log(absl::StrCat("loadgen: cannot connect to the gateway at ",
                             options.gateway, " within ",
                             absl::FormatDuration(connect_timeout), "\n  ",
                             kStackHint));
    return kExitUsage;
  }
  std::unique_ptr<IngestClient> client =
      CreateGrpcIngestClient(std::move(channel), options.call_timeout,
                             options.api_key);

  console.Log(absl::StrFormat(
      "loadgen: %d sessions x %d payloads of %d..%d bytes (seed %d) to %s, "
      "%d sessions at a time",
      options.sessions, options.payloads_per_session,
      options.min_payload_bytes, options.max_payload_bytes, options.seed,
      options.gateway, options.EffectiveConcurrency()));

  const absl::StatusOr<RunSummary> summary =
      RunAndVerify(options, *client, **reader, console, Clock::Real());
  if (!summary.ok()) {
    console.Log(absl::StrCat("loadgen: cannot read the results from "
                             "PostgreSQL: ",
                             summary.status().ToString(), "\n  ", kStackHint));
    return kExitUsage;
  }
  std::printf("%s\n", FormatSummaryLine(*summary).c_str());
  std::fflush(stdout);
  return ExitCodeFor(*summary);
}

}  // namespace ingest::loadgen
