#include "services/worker/live_session_gauges.h"

#include <algorithm>
#include <utility>

#include "services/common/logging/log.h"
#include "services/common/status/status_macros.h"

namespace ingest {

LiveSessionGauges::LiveSessionGauges(std::unique_ptr<TaskStore> store, absl::Duration interval,
                                     WorkerMetrics& metrics, std::function<absl::Time()> now)
    : store_(std::move(store)),
      interval_(interval),
      metrics_(metrics),
      now_(std::move(now)),
      thread_(interval, [this] { Tick(); }) {}

absl::Status LiveSessionGauges::Refresh() {
  ASSIGN_OR_RETURN(TaskStore::LiveSessions live, store_->ReadLiveSessions());
  const absl::Duration idle = live.oldest_activity.has_value()
                                  ? std::max(absl::ZeroDuration(), now_() - *live.oldest_activity)
                                  : absl::ZeroDuration();
  metrics_.SetLiveSessions(live.count, idle);
  return absl::OkStatus();
}

void LiveSessionGauges::Tick() {
  if (absl::Status status = Refresh(); !status.ok()) {
    log::Warn("worker.live_sessions_read_failed",
              {{"error", status.ToString()},
               {"action", "gauges keep their last values; retrying"},
               {"next_in_s", absl::ToInt64Seconds(interval_)}});
  }
}

}  // namespace ingest
