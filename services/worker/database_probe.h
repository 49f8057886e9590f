#pragma once

// DatabaseProbe: answers "is PostgreSQL reachable?" for the readiness check
// without touching the database from the HTTP thread. A background thread
// pings through its own TaskStore every `interval`; reachable() reads the
// last answer.

#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/worker/store/task_store.h"

namespace ingest {

class DatabaseProbe {
 public:
  DatabaseProbe(std::unique_ptr<TaskStore> store, absl::Duration interval);
  ~DatabaseProbe();  // stops the pinger (after its current ping)

  // Empty when the last ping succeeded, else why not.
  std::string LastError() const;

 private:
  void Loop();

  const std::unique_ptr<TaskStore> store_;
  const absl::Duration interval_;
  mutable absl::Mutex mu_;
  std::string last_error_ ABSL_GUARDED_BY(mu_) = "not checked yet";
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace ingest
