#include "tools/loadgen/verify_loop.h"

#include <algorithm>
#include <string>
#include <vector>

namespace ingest::loadgen {

absl::StatusOr<VerificationReport> WaitAndVerify(
    absl::Span<const LedgerEntry> acked, RowReader& reader, Clock& clock,
    const VerifyOptions& options, const VerifyCallbacks& callbacks) {
  const std::vector<std::string> session_ids = SessionIdsOf(acked);
  const int64_t expected = static_cast<int64_t>(acked.size());
  const absl::Time deadline = clock.Now() + options.timeout;

  while (expected > 0) {
    absl::StatusOr<std::vector<PayloadKey>> present =
        reader.ReadPresentKeys(session_ids);
    if (present.ok()) {
      const int64_t found = CountPresent(acked, *present);
      if (callbacks.on_poll) callbacks.on_poll(found, expected);
      if (found == expected) break;
    } else if (callbacks.on_poll_error) {
      callbacks.on_poll_error(present.status());
    }
    const absl::Duration left = deadline - clock.Now();
    if (left <= absl::ZeroDuration()) break;
    clock.SleepFor(std::min(options.poll_interval, left));
  }

  absl::StatusOr<StoredRows> rows = reader.ReadRows(session_ids);
  if (!rows.ok()) return rows.status();
  return Verify(acked, *rows);
}

}  // namespace ingest::loadgen
