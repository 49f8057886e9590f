#pragma once

// Loopback TCP ports for the workers bench_e2e starts (their /metrics and
// /readyz listeners).

#include "absl/status/statusor.h"

namespace ingest::bench_e2e {

// A loopback TCP port nothing listens on right now (bound and released: a
// race with other processes is possible, if unlikely).
absl::StatusOr<int> FreeLoopbackPort();

}  // namespace ingest::bench_e2e
