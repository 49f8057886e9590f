#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tools/loadgen/clock.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/row_reader.h"
#include "tools/loadgen/verifier.h"

namespace ingest::loadgen {

struct VerifyOptions {
  // How long to wait for every acknowledged payload to have a row.
  absl::Duration timeout = absl::Seconds(120);
  // Pause between two presence checks.
  absl::Duration poll_interval = absl::Milliseconds(250);
};

// Told what the loop sees; called on the calling thread.
struct VerifyCallbacks {
  // After each presence check: how many acknowledged payloads have a row.
  std::function<void(int64_t present, int64_t expected)> on_poll;
  // A presence check failed; the loop keeps polling until the deadline.
  std::function<void(const absl::Status& status)> on_poll_error;
};

// Waits until every payload in `acked` has a row - polling `reader` every
// poll_interval on `clock` - or the timeout passes, then reads the rows once
// and compares them with the ledger (payloads still missing count as lost).
// Fails only if that final read fails.
absl::StatusOr<VerificationReport> WaitAndVerify(
    absl::Span<const LedgerEntry> acked, RowReader& reader, Clock& clock,
    const VerifyOptions& options, const VerifyCallbacks& callbacks);

}  // namespace ingest::loadgen
