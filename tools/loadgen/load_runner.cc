#include "tools/loadgen/load_runner.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace ingest::loadgen {

LoadResult RunLoad(SessionDriver& driver, int sessions, int concurrency) {
  std::atomic<int> next_session{0};
  absl::Mutex mu;
  LoadResult total;

  auto work = [&] {
    for (int index = next_session.fetch_add(1); index < sessions;
         index = next_session.fetch_add(1)) {
      const SessionResult result = driver.Run(index);
      absl::MutexLock lock(&mu);
      if (!result.session_id.empty()) ++total.sessions_started;
      total.acked += result.acked;
      total.not_acked += result.not_acked;
    }
  };

  const int threads = std::max(1, std::min(concurrency, sessions));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int i = 0; i < threads; ++i) pool.emplace_back(work);
  for (std::thread& thread : pool) thread.join();
  absl::MutexLock lock(&mu);
  return total;
}

}  // namespace ingest::loadgen
