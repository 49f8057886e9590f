#pragma once

// Command-line flags of the worker binary. Read only here.

#include "absl/status/statusor.h"
#include "services/common/logging/log.h"
#include "services/worker/worker_app.h"

namespace ingest {

// Parses argv (handles --help) and returns the worker's options.
absl::StatusOr<WorkerOptions> ParseWorkerFlags(int argc, char** argv);

}  // namespace ingest
