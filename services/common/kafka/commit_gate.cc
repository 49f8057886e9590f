#include "services/common/kafka/commit_gate.h"

#include <algorithm>

namespace ingest {

bool CommitGate::MaySend(absl::Time now, bool assignment_lost) const {
  if (in_rebalance_ || assignment_lost || now < quiet_until_) return false;
  if (now - sent_at_ < interval_) return false;
  // An answer that never came (the client dropped the request) must not
  // stop commits for good.
  return !outstanding_ || now - sent_at_ >= quiet_;
}

void CommitGate::Sent(absl::Time now) {
  outstanding_ = true;
  sent_at_ = now;
}

void CommitGate::Answered(bool ok, absl::Time now) {
  outstanding_ = false;
  if (!ok) Trouble(now);
}

void CommitGate::Trouble(absl::Time now) { quiet_until_ = std::max(quiet_until_, now + quiet_); }

}  // namespace ingest
