#pragma once

#include "tools/loadgen/session_driver.h"

namespace ingest::loadgen {

struct LoadResult {
  int sessions_started = 0;  // InitializeSession succeeded
  int acked = 0;
  int not_acked = 0;
};

// Runs sessions 0..sessions-1 through `driver` on a fixed pool of
// min(concurrency, sessions) threads, each taking the next session when its
// current one ends, so at most `concurrency` sessions are in flight. Blocks
// until every session has ended. Requires sessions >= 0, concurrency >= 1.
LoadResult RunLoad(SessionDriver& driver, int sessions, int concurrency);

}  // namespace ingest::loadgen
