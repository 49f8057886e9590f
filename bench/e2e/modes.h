#pragma once

// The three measurements of bench_e2e (see README.md). Each returns the
// process exit status: 0 when everything was measured (missed targets
// included: they are reported, not asserted), 1 on an error (the lines
// measured so far are printed first; on some errors the process ends there
// itself, as load callbacks may still be in flight).

#include "bench/e2e/harness.h"

namespace ingest::bench_e2e {

// e2e: the highest rate, as a fraction of min(gateway max, worker max), at
// which consumer lag stays bounded (rate_search.h, step_classifier.h).
int RunE2eMode(Harness& harness);

// failover: two static members; SIGKILL one and time the takeover of its
// partitions against the session timeout; then a clean SIGTERM restart,
// its time and revocations; then every acknowledged payload checked stored
// exactly once.
int RunFailoverMode(Harness& harness);

// sizes: streamed payloads' throughput without a worker, then one big
// payload streamed and committed with every process's RSS sampled.
int RunSizesMode(Harness& harness);

}  // namespace ingest::bench_e2e
