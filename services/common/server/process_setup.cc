#include "services/common/server/process_setup.h"

#include "absl/synchronization/mutex.h"

namespace ingest {

void DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace ingest
