#include "services/common/retry/backoff.h"

#include <algorithm>

namespace ingest {

absl::Duration CappedExponentialBackoff(absl::Duration initial, absl::Duration max,
                                        int failed_attempts) {
  absl::Duration backoff = initial;
  for (int i = 1; i < failed_attempts && backoff < max; ++i) backoff *= 2;
  return std::min(backoff, max);
}

}  // namespace ingest
