#include "services/worker/store/payload_plan.h"

#include <deque>

#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"
#include "services/common/payload/stored_form.h"

namespace ingest {
namespace {

// Records of one partition; each is (session, payload_id, chunk, bytes,
// streamed chunk count or 0 for a whole payload).
class PayloadPlanTest : public ::testing::Test {
 protected:
  void Add(int64_t offset, uint64_t payload_id, uint32_t chunk, const std::string& bytes,
           uint32_t stream_chunks = 0) {
    TaskRecord& record = tasks_.emplace_back();
    record.offset = offset;
    record.task.set_session_id("s");
    record.task.set_payload_id(payload_id);
    record.task.set_chunk_index(chunk);
    record.task.set_chunk_count(stream_chunks == 0 ? 1 : stream_chunks);
    if (stream_chunks > 0) record.task.mutable_payload()->set_total_bytes(100);
    SetStoredForm(bytes, /*compress=*/false, 1, record.task.mutable_payload());
  }

  PayloadPlan Plan(const StoredVersions& stored = {}) {
    records_.clear();
    for (const TaskRecord& task : tasks_) records_.emplace_back(0, task);
    return PlanPayloads(records_, stored);
  }

  std::deque<TaskRecord> tasks_;
  std::vector<PayloadRecord> records_;
};

TEST_F(PayloadPlanTest, NewKeysAreStagedAndExactRepeatsIgnored) {
  Add(0, 1, 0, "a");
  Add(1, 2, 0, "b");
  Add(2, 1, 0, "a");
  PayloadPlan plan = Plan({{{"s", 2, 0}, {Sha256("b"), 0, 1}}});
  ASSERT_EQ(plan.staged.size(), 1u);
  EXPECT_EQ(plan.staged[0].record, 0u);
  EXPECT_FALSE(plan.staged[0].replaces_stored);
  EXPECT_EQ(plan.duplicates_ignored, 2);
  EXPECT_TRUE(plan.conflicts.empty());
}

TEST_F(PayloadPlanTest, WholePayloadWithOtherBytesConflictsAndTheFirstIsKept) {
  Add(5, 1, 0, "new");
  Add(6, 2, 0, "x");
  Add(7, 2, 0, "y");
  PayloadPlan plan = Plan({{{"s", 1, 0}, {Sha256("old"), 0, 1}}});
  ASSERT_EQ(plan.conflicts.size(), 2u);
  EXPECT_EQ(plan.conflicts[0].record, 0u);
  EXPECT_NE(plan.conflicts[0].detail.find("already stored (partition 0, offset 1)"),
            std::string::npos) << plan.conflicts[0].detail;
  EXPECT_EQ(plan.conflicts[1].record, 2u);
  EXPECT_NE(plan.conflicts[1].detail.find("earlier in the same batch"), std::string::npos);
  ASSERT_EQ(plan.staged.size(), 1u);
  EXPECT_EQ(plan.staged[0].record, 1u);
}

TEST_F(PayloadPlanTest, LaterChunkReplacesAndOlderReplayIsIgnored) {
  Add(10, 1, 0, "resend", 2);
  Add(3, 1, 1, "old", 2);  // older than what is stored
  PayloadPlan plan = Plan({{{"s", 1, 0}, {Sha256("first"), 0, 4, /*pending=*/true}},
                           {{"s", 1, 1}, {Sha256("kept"), 0, 8, /*pending=*/true}}});
  ASSERT_EQ(plan.staged.size(), 1u);
  EXPECT_TRUE(plan.staged[0].replaces_stored);
  EXPECT_EQ(plan.duplicates_ignored, 1);
  EXPECT_TRUE(plan.stream_ends.empty());
}

// A stream that completed is a stored payload like any other: a later
// attempt with other bytes does not rewrite it.
TEST_F(PayloadPlanTest, AChunkOfACompletedStreamWithOtherBytesConflicts) {
  Add(10, 1, 0, "resend", 2);
  PayloadPlan plan = Plan({{{"s", 1, 0}, {Sha256("first"), 0, 4, /*pending=*/false}}});
  EXPECT_TRUE(plan.staged.empty());
  ASSERT_EQ(plan.conflicts.size(), 1u);
  EXPECT_EQ(plan.conflicts[0].record, 0u);
}

TEST_F(PayloadPlanTest, OnlyTheLatestLastChunkOfAPayloadEndsTheStream) {
  Add(0, 1, 0, "a", 2);
  Add(1, 1, 1, "b", 2);
  Add(2, 1, 0, "c", 2);
  Add(3, 1, 1, "d", 2);
  PayloadPlan plan = Plan();
  ASSERT_EQ(plan.staged.size(), 2u) << "one row per key";
  EXPECT_EQ(plan.staged[0].record, 2u);
  EXPECT_EQ(plan.staged[1].record, 3u);
  EXPECT_EQ(plan.stream_ends, std::vector<size_t>{3});
}

}  // namespace
}  // namespace ingest
