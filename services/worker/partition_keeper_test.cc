#include "services/worker/partition_keeper.h"

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "services/worker/testing/fake_store.h"

namespace ingest {
namespace {

class PartitionKeeperTest : public ::testing::Test {
 protected:
  // The keeper's first round runs in its constructor; the next would come
  // an hour later, so the fake is the test's alone afterwards.
  std::unique_ptr<PartitionKeeper> NewKeeper(bool store_fails) {
    auto store = std::make_unique<FakeTaskStore>();
    store->ensure_fails = store_fails;
    store_ = store.get();
    return std::make_unique<PartitionKeeper>(
        std::move(store),
        PartitionKeeperOptions{
            .interval = absl::Hours(1), .lookahead_days = 3, .default_retention_days = 14},
        metrics_);
  }

  std::string Exposition() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

  prometheus::Registry registry_;
  WorkerMetrics metrics_{registry_};
  FakeTaskStore* store_ = nullptr;
};

TEST_F(PartitionKeeperTest, TheFirstRoundRunsBeforeTheWorkerConsumes) {
  auto keeper = NewKeeper(false);
  ASSERT_EQ(store_->ensure_calls.size(), 1u);
  EXPECT_EQ(store_->ensure_calls[0], std::make_pair(3, 14)) << "lookahead, default retention";
  const std::string exposition = Exposition();
  EXPECT_NE(exposition.find("ingest_worker_day_partitions_created_total 2"), std::string::npos)
      << exposition;
  EXPECT_EQ(exposition.find("ingest_worker_day_partitions_ensured_timestamp_seconds 0\n"),
            std::string::npos)
      << "a successful round sets when";
}

TEST_F(PartitionKeeperTest, AFailedRoundSaysWhyAndLeavesTheTimestamp) {
  auto keeper = NewKeeper(true);
  EXPECT_EQ(keeper->Round().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(Exposition().find("ingest_worker_day_partitions_ensured_timestamp_seconds 0\n"),
            std::string::npos);
}

}  // namespace
}  // namespace ingest
