#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/cpp/clock.h"
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
  using OnPoll = std::function<void(int64_t found, int64_t expected)>;
  using OnPollError = std::function<void(const absl::Status& status)>;
  // After each check: how many of the expected rows (or completions) are
  // there.
  OnPoll on_poll;
  // A check failed; the loop keeps polling until the deadline.
  OnPollError on_poll_error;
};

// Waits until every payload in `acked` has a row - polling `reader` every
// poll_interval on `clock` - or the timeout passes. Returns the keys present
// at the last successful check (empty if none succeeded).
std::vector<PayloadKey> WaitForRows(absl::Span<const LedgerEntry> acked, RowReader& reader,
                                    client::Clock& clock, const VerifyOptions& options,
                                    const VerifyCallbacks& callbacks);

// WaitForRows, then reads the rows once and compares them with the ledger
// (payloads still missing count as lost). Fails only if that final read
// fails.
absl::StatusOr<VerificationReport> WaitAndVerify(absl::Span<const LedgerEntry> acked,
                                                 RowReader& reader, client::Clock& clock,
                                                 const VerifyOptions& options,
                                                 const VerifyCallbacks& callbacks);

struct CompletionOptions {
  // How long to wait for the sessions to be completed.
  absl::Duration timeout = absl::Seconds(60);
  // Pause between two status checks.
  absl::Duration poll_interval = absl::Milliseconds(500);
};

// Waits until every session of `session_ids` has status 'completed' -
// polling reader.ReadSessionStatuses every poll_interval on `clock` - or the
// timeout passes. callbacks.on_poll hears (completed, expected) after each
// check, on_poll_error the failed checks. Returns how many were completed at
// the last successful check.
int64_t WaitForCompletion(absl::Span<const std::string> session_ids, RowReader& reader,
                          client::Clock& clock, const CompletionOptions& options,
                          const VerifyCallbacks& callbacks);

}  // namespace ingest::loadgen
