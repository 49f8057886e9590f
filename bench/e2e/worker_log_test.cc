#include "bench/e2e/worker_log.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(OwnedPartitionsFromLogTest, ReplaysIncrementalTextLines) {
  const char* log =
      "2025-01-01T00:00:00.000Z info  worker worker.started topic=ingest.tasks\n"
      "2025-01-01T00:00:01.000Z info  worker worker.partitions_assigned partitions=0,1,2,3,4,5,6,7 "
      "owned=8 quarantined_sessions=0\n"
      "2025-01-01T00:00:05.000Z info  worker worker.partitions_revoked partitions=4,5,6,7 owned=4\n"
      "2025-01-01T00:00:06.000Z info  worker worker.partitions_assigned partitions=\"\" owned=4 "
      "quarantined_sessions=0\n";
  EXPECT_THAT(OwnedPartitionsFromLog(log), ElementsAre(0, 1, 2, 3));
}

TEST(OwnedPartitionsFromLogTest, ReadsJsonLines) {
  const char* log =
      R"({"ts":"t","level":"info","service":"worker","event":"worker.partitions_assigned","partitions":"2,3","owned":2})"
      "\n"
      R"({"ts":"t","level":"info","service":"worker","event":"worker.partitions_revoked","partitions":"3","owned":1})"
      "\n"
      R"({"ts":"t","level":"info","service":"worker","event":"worker.partitions_assigned","partitions":"5","owned":2})";
  EXPECT_THAT(OwnedPartitionsFromLog(log), ElementsAre(2, 5));
}

TEST(OwnedPartitionsFromLogTest, IgnoresOtherEventsAndTruncatedLines) {
  const char* log =
      "x info  worker worker.partitions_assigned_somehow partitions=9\n"
      "x info  worker worker.batch_abandoned_on_revoke partition=3\n"
      "x info  worker worker.partitions_assig";
  EXPECT_THAT(OwnedPartitionsFromLog(log), IsEmpty());
}

}  // namespace
}  // namespace ingest::bench_e2e
