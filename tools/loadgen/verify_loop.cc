#include "tools/loadgen/verify_loop.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "services/common/status/status_macros.h"

namespace ingest::loadgen {
namespace {

// Calls `check` every poll_interval on `clock` until it returns true or
// `timeout` has passed (the last call at the deadline); never sleeps past
// the deadline.
template <typename Check>
void PollUntil(Clock& clock, absl::Duration timeout, absl::Duration poll_interval,
               Check check) {
  const absl::Time deadline = clock.Now() + timeout;
  while (!check()) {
    const absl::Duration left = deadline - clock.Now();
    if (left <= absl::ZeroDuration()) break;
    clock.SleepFor(std::min(poll_interval, left));
  }
}

}  // namespace

std::vector<PayloadKey> WaitForRows(absl::Span<const LedgerEntry> acked,
                                    RowReader& reader, Clock& clock,
                                    const VerifyOptions& options,
                                    const VerifyCallbacks& callbacks) {
  const std::vector<std::string> session_ids = SessionIdsOf(acked);
  const int64_t expected = static_cast<int64_t>(acked.size());
  std::vector<PayloadKey> last_present;
  if (expected == 0) return last_present;
  PollUntil(clock, options.timeout, options.poll_interval, [&] {
    absl::StatusOr<std::vector<PayloadKey>> present =
        reader.ReadPresentKeys(session_ids);
    if (!present.ok()) {
      if (callbacks.on_poll_error) callbacks.on_poll_error(present.status());
      return false;
    }
    last_present = *std::move(present);
    const int64_t found = CountPresent(acked, last_present);
    if (callbacks.on_poll) callbacks.on_poll(found, expected);
    return found == expected;
  });
  return last_present;
}

absl::StatusOr<VerificationReport> WaitAndVerify(
    absl::Span<const LedgerEntry> acked, RowReader& reader, Clock& clock,
    const VerifyOptions& options, const VerifyCallbacks& callbacks) {
  WaitForRows(acked, reader, clock, options, callbacks);
  ASSIGN_OR_RETURN(StoredRows rows, reader.ReadRows(SessionIdsOf(acked)));
  return Verify(acked, rows);
}

int64_t WaitForCompletion(absl::Span<const std::string> session_ids,
                          RowReader& reader, Clock& clock,
                          const CompletionOptions& options,
                          const VerifyCallbacks& callbacks) {
  const int64_t expected = static_cast<int64_t>(session_ids.size());
  int64_t completed = 0;
  if (expected == 0) return completed;
  PollUntil(clock, options.timeout, options.poll_interval, [&] {
    absl::StatusOr<std::vector<SessionStatus>> statuses =
        reader.ReadSessionStatuses(session_ids);
    if (!statuses.ok()) {
      if (callbacks.on_poll_error) callbacks.on_poll_error(statuses.status());
      return false;
    }
    completed = CountCompleted(*statuses);
    if (callbacks.on_poll) callbacks.on_poll(completed, expected);
    return completed == expected;
  });
  return completed;
}

}  // namespace ingest::loadgen
