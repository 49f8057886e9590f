#pragma once

// Capped exponential backoff for retry loops.

#include "absl/time/time.h"

namespace ingest {

// The pause before the next attempt after `failed_attempts` failures
// (at least 1): initial, 2*initial, 4*initial, ... never more than `max`.
absl::Duration CappedExponentialBackoff(absl::Duration initial, absl::Duration max,
                                        int failed_attempts);

}  // namespace ingest
