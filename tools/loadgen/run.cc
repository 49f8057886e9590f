#include "tools/loadgen/run.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/status/status_macros.h"
#include "tools/console/progress.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/load_runner.h"
#include "tools/loadgen/payload_factory.h"
#include "tools/loadgen/progress.h"
#include "tools/loadgen/session_driver.h"
#include "tools/loadgen/summary_check.h"
#include "tools/loadgen/verifier.h"
#include "tools/loadgen/verify_loop.h"

namespace ingest::loadgen {
namespace {

// A terminal gets a live line every second; a log a line every few seconds.
constexpr console::TickIntervals kTicks = {.tty = absl::Seconds(1), .log = absl::Seconds(5)};

}  // namespace

absl::StatusOr<RunSummary> RunAndVerify(const LoadgenOptions& options,
                                        const client::ClientOptions& sdk, RowReader& reader,
                                        console::Console& console, client::Clock& clock) {
  const int64_t total_payloads =
      static_cast<int64_t>(options.sessions) * options.payloads_per_session;
  const PayloadFactory factory({.seed = options.seed,
                                .min_bytes = options.min_payload_bytes,
                                .max_bytes = options.max_payload_bytes});
  Ledger ledger;
  SessionDriver driver({.project_id = options.project_id,
                        .payloads_per_session = options.payloads_per_session,
                        .seed = options.seed,
                        .client = sdk},
                       factory, ledger, console);

  // Load.
  const absl::Time load_start = clock.Now();
  auto load_line = [&] {
    return FormatLoadProgress({.acked = static_cast<int64_t>(ledger.size()),
                               .total = total_payloads,
                               .bytes = ledger.total_bytes(),
                               .elapsed = clock.Now() - load_start,
                               .retries = driver.retries(),
                               .errors = driver.errors()});
  };
  LoadResult load;
  {
    console::ProgressTicker ticker(console, load_line, kTicks);
    load = RunLoad(driver, options.sessions, options.EffectiveConcurrency());
  }
  console.Log(absl::StrFormat(
      "loadgen: load done in %.1fs: %d/%d sessions started, %d/%d payloads "
      "acked (%.1f MB)",
      absl::ToDoubleSeconds(clock.Now() - load_start), load.sessions_started, options.sessions,
      load.acked, total_payloads, static_cast<double>(ledger.total_bytes()) / 1e6));

  const std::vector<LedgerEntry> acked = ledger.Entries();
  if (!options.ledger_out.empty()) {
    if (absl::Status status = WriteLedgerTsv(acked, options.ledger_out); !status.ok()) {
      console.Log(absl::StrCat("loadgen: ledger not written: ", status.ToString()));
    } else {
      console.Log(absl::StrCat("loadgen: ledger written to ", options.ledger_out));
    }
  }

  // Verification: the rows, then the completion of the sessions whose last
  // payload is stored, then one read of everything.
  const absl::Time verify_start = clock.Now();
  std::string last_error;
  const VerifyCallbacks::OnPollError on_poll_error = [&](const absl::Status& status) {
    // Polling retries; say so once per distinct error.
    if (status.ToString() == last_error) return;
    last_error = status.ToString();
    console.Log(absl::StrCat("verify: reading PostgreSQL failed, still trying: ", last_error));
  };
  std::vector<PayloadKey> present;
  {
    std::atomic<int64_t> found{0};
    console::ProgressTicker ticker(
        console,
        [&] {
          return FormatVerifyProgress(found.load(), static_cast<int64_t>(acked.size()),
                                      clock.Now() - verify_start);
        },
        kTicks);
    present = WaitForRows(
        acked, reader, clock, {.timeout = options.verify_timeout},
        {.on_poll = [&](int64_t n, int64_t) { found.store(n); }, .on_poll_error = on_poll_error});
  }
  const std::vector<std::string> must_complete =
      SessionsWithPayload(present, static_cast<uint64_t>(options.payloads_per_session));
  if (options.completion_timeout > absl::ZeroDuration() && !must_complete.empty()) {
    const absl::Time completion_start = clock.Now();
    std::atomic<int64_t> completed{0};
    console::ProgressTicker ticker(
        console,
        [&] {
          return FormatCompletionProgress(completed.load(),
                                          static_cast<int64_t>(must_complete.size()),
                                          clock.Now() - completion_start);
        },
        kTicks);
    WaitForCompletion(must_complete, reader, clock, {.timeout = options.completion_timeout},
                      {.on_poll = [&](int64_t n, int64_t) { completed.store(n); },
                       .on_poll_error = on_poll_error});
  }

  ASSIGN_OR_RETURN(StoredRows rows, reader.ReadRows(SessionIdsOf(acked)));
  RunSummary summary{.label = options.label,
                     .sessions = options.sessions,
                     .payloads = total_payloads,
                     .acked = static_cast<int64_t>(acked.size()),
                     .report = Verify(acked, rows)};
  summary.summaries =
      CheckSummaries(acked, rows,
                     [&](int session_index, uint64_t payload_id) {
                       return factory.FactsOf(session_index, payload_id);
                     },
                     {.last_payload_id = static_cast<uint64_t>(options.payloads_per_session),
                      .require_completion = options.completion_timeout > absl::ZeroDuration()});
  for (const std::string& problem : summary.report.problems) {
    console.Log(absl::StrCat("verify: ", problem));
  }
  for (const std::string& problem : summary.summaries.problems) {
    console.Log(absl::StrCat("verify: ", problem));
  }
  return summary;
}

}  // namespace ingest::loadgen
