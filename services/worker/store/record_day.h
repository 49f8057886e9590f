#pragma once

// The day a record's rows carry (sessions.expire_day) when the record begins
// its session, or when it has none: the UTC day it was received plus its
// project's retention, `default_retention_days` for a record of a gateway
// older than issue 21 (it carries none). A session's later records keep the
// day of its first.

#include "ingest/v1/task.pb.h"
#include "services/common/codec/task_codec.h"
#include "services/common/retention/expire_day.h"

namespace ingest {

inline ExpireDay RecordDay(const v1::Task& task, int default_retention_days) {
  const int retention =
      task.retention_days() > 0 ? static_cast<int>(task.retention_days()) : default_retention_days;
  return ExpireDay::Of(ReceivedAt(task), retention);
}

}  // namespace ingest
