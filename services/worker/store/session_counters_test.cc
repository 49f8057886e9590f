#include "services/worker/store/session_counters.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(CountPayloadIdsTest, ConsecutiveIdsHaveNoGaps) {
  SessionCounterDelta delta = CountPayloadIds(0, {1, 2, 3});
  EXPECT_EQ(delta.payload_count, 3);
  EXPECT_EQ(delta.last_payload_id, 3u);
  EXPECT_EQ(delta.payload_id_gaps, 0);
}

TEST(CountPayloadIdsTest, SkippedIdsAreCountedOnce) {
  SessionCounterDelta delta = CountPayloadIds(1, {4, 5, 8});
  EXPECT_EQ(delta.payload_id_gaps, 2 + 2);
  EXPECT_EQ(delta.last_payload_id, 8u);
}

TEST(CountPayloadIdsTest, ALatePayloadAddsNoGapAndKeepsTheLastId) {
  SessionCounterDelta delta = CountPayloadIds(5, {3});
  EXPECT_EQ(delta.payload_count, 1);
  EXPECT_EQ(delta.payload_id_gaps, 0);
  EXPECT_EQ(delta.last_payload_id, 0u) << "unchanged";
  // Within one call too: 4 skips 2 and 3; 3 arriving after it fills nothing new.
  delta = CountPayloadIds(1, {4, 3});
  EXPECT_EQ(delta.payload_id_gaps, 2);
  EXPECT_EQ(delta.payload_count, 2);
}

}  // namespace
}  // namespace ingest
