#include "tools/loadgen/progress.h"

#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

TEST(FormatLoadProgressTest, ShowsCountsAndRate) {
  EXPECT_EQ(FormatLoadProgress({.acked = 312,
                                .total = 500,
                                .bytes = 96'400'000,
                                .elapsed = absl::Seconds(2),
                                .retries = 3,
                                .errors = 1}),
            "loadgen: 312/500 acked  48.2 MB/s  retries=3  errors=1");
}

TEST(FormatLoadProgressTest, ZeroElapsedHasZeroRate) {
  EXPECT_EQ(FormatLoadProgress({.total = 10}),
            "loadgen: 0/10 acked  0.0 MB/s  retries=0  errors=0");
}

TEST(FormatVerifyProgressTest, ShowsPersistedAndWaitTime) {
  EXPECT_EQ(FormatVerifyProgress(480, 500, absl::Milliseconds(3250)),
            "verify: 480/500 persisted  3.2s");
}

TEST(FormatCompletionProgressTest, ShowsCompletedAndWaitTime) {
  EXPECT_EQ(FormatCompletionProgress(18, 20, absl::Milliseconds(12300)),
            "verify: 18/20 sessions completed  12.3s");
}

}  // namespace
}  // namespace ingest::loadgen
