#include "tools/loadgen/verify_loop.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "services/common/status/status_macros.h"

namespace ingest::loadgen {
namespace {

// Calls `check` (how many of `expected` things are there) every
// poll_interval on `clock` until all are there or `timeout` has passed (the
// last call at the deadline; never sleeps past it), telling `callbacks` each
// count and each failed check. Returns the count of the last successful
// check: 0 if none succeeded, or if nothing was expected (then no check).
int64_t PollUntilAll(int64_t expected, client::Clock& clock, absl::Duration timeout,
                     absl::Duration poll_interval, const VerifyCallbacks& callbacks,
                     absl::FunctionRef<absl::StatusOr<int64_t>()> check) {
  int64_t found = 0;
  if (expected == 0) return found;
  const absl::Time deadline = clock.Now() + timeout;
  while (true) {
    if (absl::StatusOr<int64_t> checked = check(); !checked.ok()) {
      if (callbacks.on_poll_error) callbacks.on_poll_error(checked.status());
    } else {
      found = *checked;
      if (callbacks.on_poll) callbacks.on_poll(found, expected);
      if (found == expected) break;
    }
    const absl::Duration left = deadline - clock.Now();
    if (left <= absl::ZeroDuration()) break;
    clock.SleepFor(std::min(poll_interval, left));
  }
  return found;
}

}  // namespace

std::vector<PayloadKey> WaitForRows(absl::Span<const LedgerEntry> acked, RowReader& reader,
                                    client::Clock& clock, const VerifyOptions& options,
                                    const VerifyCallbacks& callbacks) {
  const std::vector<std::string> session_ids = SessionIdsOf(acked);
  std::vector<PayloadKey> present;
  PollUntilAll(static_cast<int64_t>(acked.size()), clock, options.timeout, options.poll_interval,
               callbacks, [&]() -> absl::StatusOr<int64_t> {
                 ASSIGN_OR_RETURN(present, reader.ReadPresentKeys(session_ids));
                 return CountPresent(acked, present);
               });
  return present;
}

absl::StatusOr<VerificationReport> WaitAndVerify(absl::Span<const LedgerEntry> acked,
                                                 RowReader& reader, client::Clock& clock,
                                                 const VerifyOptions& options,
                                                 const VerifyCallbacks& callbacks) {
  WaitForRows(acked, reader, clock, options, callbacks);
  ASSIGN_OR_RETURN(StoredRows rows, reader.ReadRows(SessionIdsOf(acked)));
  return Verify(acked, rows);
}

int64_t WaitForCompletion(absl::Span<const std::string> session_ids, RowReader& reader,
                          client::Clock& clock, const CompletionOptions& options,
                          const VerifyCallbacks& callbacks) {
  return PollUntilAll(static_cast<int64_t>(session_ids.size()), clock, options.timeout,
                      options.poll_interval, callbacks, [&]() -> absl::StatusOr<int64_t> {
                        ASSIGN_OR_RETURN(std::vector<SessionStatus> statuses,
                                         reader.ReadSessionStatuses(session_ids));
                        return CountCompleted(statuses);
                      });
}

}  // namespace ingest::loadgen
