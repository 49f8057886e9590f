#include "services/worker/stream_chunk_janitor.h"

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/worker/testing/fake_store.h"

namespace ingest {
namespace {

class StreamChunkJanitorTest : public ::testing::Test {
 protected:
  // The janitor's own thread sweeps only after an hour: the test sweeps.
  std::unique_ptr<StreamChunkJanitor> NewJanitor(int64_t expirable) {
    auto store = std::make_unique<FakeTaskStore>();
    store->expirable_chunks = expirable;
    store_ = store.get();
    return std::make_unique<StreamChunkJanitor>(
        std::move(store),
        StreamChunkJanitorOptions{.ttl = absl::Hours(6), .interval = absl::Hours(1),
                                  .batch_rows = 100},
        metrics_);
  }

  prometheus::Registry registry_;
  WorkerMetrics metrics_{registry_};
  FakeTaskStore* store_ = nullptr;
};

TEST_F(StreamChunkJanitorTest, ASweepRemovesEveryExpiredRowInBatches) {
  auto janitor = NewJanitor(250);
  auto removed = janitor->Sweep();
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 250);
  ASSERT_EQ(store_->expire_calls.size(), 3u) << "100 + 100 + 50: the short batch ends it";
  for (const auto& [older_than, max_rows] : store_->expire_calls) {
    EXPECT_EQ(older_than, absl::Hours(6));
    EXPECT_EQ(max_rows, 100);
  }
}

TEST_F(StreamChunkJanitorTest, AFailedSweepSaysWhy) {
  auto janitor = NewJanitor(-1);
  EXPECT_EQ(janitor->Sweep().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
