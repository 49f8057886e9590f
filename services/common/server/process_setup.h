#pragma once

// Process-wide settings every service binary applies first thing in main().

namespace ingest {

// Turns off abseil's mutex deadlock detection. Debian's abseil is built with
// it on: every absl::Mutex (ours, and gRPC's, which uses abseil's) is then
// tracked in a global lock graph under a global lock, which costs a few
// percent of CPU and much contention per request. Lock ordering is kept by
// design and tests, not by this runtime check.
void DisableMutexDeadlockDetection();

}  // namespace ingest
