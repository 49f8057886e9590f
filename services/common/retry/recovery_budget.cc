#include "services/common/retry/recovery_budget.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/retry/backoff.h"

namespace ingest {

RecoveryBudget::RecoveryBudget(RecoveryBudgetOptions options, std::function<absl::Time()> now)
    : options_(options), now_(std::move(now)) {}

void RecoveryBudget::Failed(absl::Status cause) {
  ++failures_;
  last_failure_ = std::move(cause);
  // The first failure after a success is replaced at once; a replacement
  // that fails again waits.
  next_attempt_ = failures_ == 1 ? now_()
                                 : now_() + CappedExponentialBackoff(options_.initial_backoff,
                                                                     options_.max_backoff,
                                                                     failures_ - 1);
}

absl::Status RecoveryBudget::GaveUpStatus(absl::string_view what) const {
  if (!Exhausted()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(what, " failed ", failures_,
                                                    " times in a row without recovering; last: ",
                                                    last_failure_.message()));
}

absl::Status RecoveryBudget::TroubleStatus(absl::string_view what) const {
  if (Exhausted()) return GaveUpStatus(what);
  if (failures_ < 2) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(what, " is being replaced after ", failures_,
                                             " failures in a row; last: ",
                                             last_failure_.message()));
}

void RecoveryBudget::Succeeded() {
  failures_ = 0;
  next_attempt_ = absl::InfinitePast();
}

}  // namespace ingest
