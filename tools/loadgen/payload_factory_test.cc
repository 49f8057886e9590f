#include "tools/loadgen/payload_factory.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/codec/zstd_bounds.h"

namespace ingest::loadgen {
namespace {

TEST(PayloadFactoryTest, SizesStayWithinBounds) {
  const PayloadFactory factory({.seed = 7, .min_bytes = 10 * 1024,
                                .max_bytes = 3 * 1024 * 1024});
  for (int session = 0; session < 20; ++session) {
    for (uint64_t payload = 1; payload <= 50; ++payload) {
      const size_t size = factory.SizeFor(session, payload);
      EXPECT_GE(size, 10u * 1024);
      EXPECT_LE(size, 3u * 1024 * 1024);
    }
  }
}

TEST(PayloadFactoryTest, SizesAreSpreadLogUniformly) {
  // With log-uniform sizes between 1 KiB and 1 MiB, about a third of them
  // fall in each decade-ish third of the log range.
  const PayloadFactory factory(
      {.seed = 3, .min_bytes = 1024, .max_bytes = 1024 * 1024});
  int low = 0, high = 0;
  constexpr int kSamples = 3000;
  for (int i = 0; i < kSamples; ++i) {
    const size_t size = factory.SizeFor(i / 100, 1 + i % 100);
    if (size < 1024 * 10) ++low;          // log-range fraction 1/3
    if (size > 1024 * 1024 / 10) ++high;  // log-range fraction 1/3
  }
  EXPECT_NEAR(low, kSamples / 3, kSamples / 15);
  EXPECT_NEAR(high, kSamples / 3, kSamples / 15);
}

TEST(PayloadFactoryTest, SameSeedGivesSameBytes) {
  const PayloadFactoryOptions options{.seed = 42, .min_bytes = 2048,
                                      .max_bytes = 200 * 1024};
  const PayloadFactory a(options);
  const PayloadFactory b(options);
  // Ask in different orders: the result must not depend on call history.
  const std::string a1 = a.Make(3, 9).SerializeAsString();
  const std::string a2 = a.Make(1, 1).SerializeAsString();
  const std::string b2 = b.Make(1, 1).SerializeAsString();
  const std::string b1 = b.Make(3, 9).SerializeAsString();
  EXPECT_EQ(a1, b1);
  EXPECT_EQ(a2, b2);
}

TEST(PayloadFactoryTest, DifferentCoordinatesOrSeedsGiveDifferentBytes) {
  const PayloadFactory a({.seed = 1, .min_bytes = 2048, .max_bytes = 4096});
  const PayloadFactory b({.seed = 2, .min_bytes = 2048, .max_bytes = 4096});
  EXPECT_NE(a.Make(0, 1).events(), a.Make(0, 2).events());
  EXPECT_NE(a.Make(0, 1).events(), a.Make(1, 1).events());
  EXPECT_NE(a.Make(0, 1).events(), b.Make(0, 1).events());
}

TEST(PayloadFactoryTest, SerializedSizeIsExactlyTheChosenSize) {
  const PayloadFactory factory(
      {.seed = 11, .min_bytes = 1024, .max_bytes = 3 * 1024 * 1024});
  for (int session = 0; session < 4; ++session) {
    for (uint64_t payload = 1; payload <= 25; ++payload) {
      const ingest::v1::PayloadContent content = factory.Make(session, payload);
      EXPECT_EQ(content.SerializeAsString().size(),
                factory.SizeFor(session, payload))
          << "session " << session << " payload " << payload;
      EXPECT_FALSE(content.messages().empty());
      EXPECT_FALSE(content.resources().empty());
    }
  }
}

TEST(PayloadFactoryTest, ExactSizeAcrossVarintBoundaries) {
  // Totals around 16 KiB cross the 2->3 byte length prefix of `events`; every
  // one of them must still be hit exactly.
  for (size_t size = 16300; size <= 16500; ++size) {
    const PayloadFactory factory(
        {.seed = 5, .min_bytes = size, .max_bytes = size});
    EXPECT_EQ(factory.Make(0, 1).SerializeAsString().size(), size);
  }
}

TEST(PayloadFactoryTest, EventsAreCompressibleButNotTrivially) {
  const PayloadFactory factory(
      {.seed = 9, .min_bytes = 256 * 1024, .max_bytes = 256 * 1024});
  const std::string events = factory.Make(0, 1).events();
  EXPECT_EQ(events.front(), '[');
  EXPECT_NE(events.find(R"({"type":3,"timestamp":)"), std::string::npos);

  const size_t size = ZstdCompress(events, 3).size();
  const double ratio = static_cast<double>(events.size()) / size;
  // Real rrweb JSON compresses a few times over; a run of one repeated
  // pattern would compress hundreds of times.
  EXPECT_GT(ratio, 1.5);
  EXPECT_LT(ratio, 10.0);
}

}  // namespace
}  // namespace ingest::loadgen
