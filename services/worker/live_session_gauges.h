#pragma once

// LiveSessionGauges: every `interval` a background thread reads how many
// sessions are live and how long the least recently active one has been
// idle (TaskStore::ReadLiveSessions, through its own store) and sets
// ingest_worker_live_sessions and ingest_worker_oldest_live_session_idle_seconds.
// A session that stays live far past the idle timeout is "stuck live" (the
// IngestSessionsStuckLive alert). The figures cover the whole database, so
// every worker reports the same: aggregate with max().

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/threading/periodic_thread.h"
#include "services/worker/store/task_store.h"
#include "services/worker/worker_metrics.h"

namespace ingest {

class LiveSessionGauges {
 public:
  LiveSessionGauges(std::unique_ptr<TaskStore> store, absl::Duration interval,
                    WorkerMetrics& metrics,
                    std::function<absl::Time()> now = [] { return absl::Now(); });
  // The destructor stops after the current read.

  // One read; sets the gauges unless the database did not answer.
  absl::Status Refresh();

 private:
  // Refresh, logging a failure.
  void Tick();

  const std::unique_ptr<TaskStore> store_;
  const absl::Duration interval_;
  WorkerMetrics& metrics_;
  const std::function<absl::Time()> now_;
  PeriodicThread thread_;  // last: ticks once the rest is ready
};

}  // namespace ingest
